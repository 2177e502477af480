//! The optional features `budgets`, `deadlines` and `timers` left out, alone or together
//! (`cargo test -p wells-core --no-default-features --features ...`, any set): the calls that
//! need one answer `NotSupported` and change nothing, and the threads run as before. With a
//! feature built in, its test here is not built (tests/budgets.rs, tests/telemetry.rs and
//! tests/ports_timers.rs test the feature itself).
#![allow(unused_imports)]

mod common;
use common::{World, MS};
use wells_core::{Error, Timeout};

#[cfg(not(feature = "budgets"))]
#[test]
fn without_budgets_a_domain_gets_none_and_its_thread_runs_unthrottled() {
    use wells_core::domain::{CpuBudget, DomainKind};
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    let budget = CpuBudget { budget_ns: 2 * MS, period_ns: 10 * MS };
    assert_eq!(kernel.domain_set_budget(vm, Some(budget)), Err(Error::NotSupported));
    assert_eq!(kernel.domain_set_budget(vm, None), Err(Error::NotSupported));
    // With the budget it asked for, this spinner would run 2 ms in every 10.
    let w = World { kernel, clock: world.clock.clone() };
    let entry = Box::new(move || {
        while w.now() < 20 * MS {
            w.tick_after(MS / 2);
        }
        0
    });
    let spinner = kernel.thread_create_in(vm, "spinner", 10, 0, entry).unwrap();
    kernel.thread_start(spinner).unwrap();
    world.run().unwrap();
    let ran = kernel.thread_stats(spinner).unwrap().run_time_ns;
    assert!(ran >= 19 * MS, "the spinner ran only {ran} ns");
}

#[cfg(not(feature = "deadlines"))]
#[test]
fn without_deadlines_a_thread_gets_no_release_deadline_and_misses_none() {
    use wells_core::sched::SchedClass;
    let world = World::new();
    let kernel = world.kernel;
    let w = World { kernel, clock: world.clock.clone() };
    let late = world.spawn("late", 10, move || {
        // 5 ms of work per release: past the 1 ms deadline it asked for.
        for _ in 0..3 {
            while w.now() % (10 * MS) < 5 * MS {
                w.tick_after(MS / 2);
            }
            if w.kernel.sleep_ns(5 * MS).is_err() {
                return 1;
            }
        }
        0
    });
    assert_eq!(kernel.thread_set_class(late, SchedClass::SoftRealTime, Some(MS)), Err(Error::NotSupported));
    // A class alone needs no deadline.
    assert_eq!(kernel.thread_set_class(late, SchedClass::SoftRealTime, None), Ok(()));
    world.run().unwrap();
    let stats = kernel.thread_stats(late).unwrap();
    assert_eq!((stats.state, stats.exit_code, stats.deadline_misses), (wells_core::ThreadState::Exited, 0, 0));
}

#[cfg(not(feature = "timers"))]
#[test]
fn without_timers_no_timer_is_made_and_timer_calls_touch_nothing() {
    let world = World::new();
    let kernel = world.kernel;
    let before = kernel.object_count();
    assert_eq!(kernel.timer_create(Box::new(|| {})), Err(Error::NotSupported));
    assert_eq!(kernel.object_count(), before);
    // A timer call on a handle of another kind is refused the same way, before any lookup.
    let semaphore = kernel.semaphore_create(0, 1).unwrap();
    assert_eq!(kernel.timer_start(semaphore, MS, 0), Err(Error::NotSupported));
    assert_eq!(kernel.timer_cancel(semaphore), Err(Error::NotSupported));
    assert_eq!(kernel.timer_destroy(semaphore), Err(Error::NotSupported));
    assert_eq!(kernel.semaphore_post(semaphore), Ok(()));
    assert_eq!(kernel.semaphore_wait(semaphore, Timeout::NoWait), Ok(()));
}
