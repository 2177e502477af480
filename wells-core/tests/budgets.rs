//! CPU budgets of domains: a budgeted domain's threads run at most their budget in every period,
//! even when they never block, and the rest of the time goes to others.
#![cfg(feature = "budgets")]

mod common;
use common::{World, MS};
use std::sync::Arc;
use wells_core::domain::{CpuBudget, DomainId, DomainKind};
use wells_core::{Error, ThreadState};

/// Virtual time the spinners run for.
const RUN: u64 = 100 * MS;

fn spinner(world: &World, domain: DomainId, name: &str, priority: u8) -> wells_core::Handle {
    let w = World { kernel: world.kernel, clock: world.clock.clone() };
    let entry = Box::new(move || {
        // Never blocks: only the timer (a tick per 0.5 ms here) takes the CPU away.
        while w.now() < RUN {
            w.tick_after(MS / 2);
        }
        0
    });
    let thread = world.kernel.thread_create_in(domain, name, priority, 0, entry).unwrap();
    world.kernel.thread_start(thread).unwrap();
    thread
}

#[test]
fn a_budgeted_domain_runs_at_most_its_budget_per_period() {
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    kernel.domain_set_budget(vm, Some(CpuBudget { budget_ns: 2 * MS, period_ns: 10 * MS })).unwrap();
    // The budgeted thread is above the other: without its budget it would take every cycle.
    let greedy = spinner(&world, vm, "greedy", 10);
    let other = spinner(&world, DomainId::KERNEL, "other", 5);
    world.run().unwrap();
    let greedy = kernel.thread_stats(greedy).unwrap().run_time_ns;
    let other = kernel.thread_stats(other).unwrap().run_time_ns;
    // Ten periods of 2 ms, give or take the last tick of each.
    assert!((19 * MS..=21 * MS).contains(&greedy), "budgeted thread ran {greedy} ns");
    assert!(other >= 78 * MS, "the other thread ran only {other} ns");
}

#[test]
fn without_a_budget_the_higher_priority_spinner_takes_everything() {
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    let greedy = spinner(&world, vm, "greedy", 10);
    let other = spinner(&world, DomainId::KERNEL, "other", 5);
    world.run().unwrap();
    assert!(kernel.thread_stats(greedy).unwrap().run_time_ns >= 99 * MS);
    assert!(kernel.thread_stats(other).unwrap().run_time_ns <= MS);
}

#[test]
fn a_throttled_thread_shows_it_and_can_be_suspended() {
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    kernel.domain_set_budget(vm, Some(CpuBudget { budget_ns: MS, period_ns: 50 * MS })).unwrap();
    let greedy = spinner(&world, vm, "greedy", 10);
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (w, s) = (World { kernel, clock: world.clock.clone() }, seen.clone());
    world.spawn("observer", 5, move || {
        // Runs only while the greedy one is throttled.
        s.lock().unwrap().push(kernel.thread_stats(greedy).unwrap().state);
        s.lock().unwrap().push(match kernel.thread_suspend(greedy) {
            Ok(()) => kernel.thread_stats(greedy).unwrap().state,
            Err(_) => ThreadState::Exited,
        });
        w.tick_after(100 * MS);
        kernel.thread_resume(greedy).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![ThreadState::Throttled, ThreadState::Suspended]);
}

#[test]
fn bad_budgets_are_refused() {
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    let bad = |budget_ns, period_ns| kernel.domain_set_budget(vm, Some(CpuBudget { budget_ns, period_ns }));
    assert_eq!(bad(MS, 0), Err(Error::InvalidArgument));
    assert_eq!(bad(0, MS), Err(Error::InvalidArgument));
    assert_eq!(bad(2 * MS, MS), Err(Error::InvalidArgument));
    assert_eq!(kernel.domain_set_budget(DomainId::KERNEL, Some(CpuBudget { budget_ns: MS, period_ns: 2 * MS })), Err(Error::InvalidArgument));
    assert_eq!(kernel.domain_set_budget(DomainId(99), None), Err(Error::InvalidArgument));
    assert_eq!(kernel.domain_set_budget(vm, None), Ok(()));
}

#[test]
fn lifting_the_budget_of_a_throttled_domain_lets_its_threads_run_again() {
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    kernel.domain_set_budget(vm, Some(CpuBudget { budget_ns: MS, period_ns: 1000 * MS })).unwrap();
    let greedy = spinner(&world, vm, "greedy", 10);
    let w = World { kernel, clock: world.clock.clone() };
    world.spawn("manager", 5, move || {
        // Runs once the greedy one is throttled for the rest of its long period.
        w.tick_after(MS);
        kernel.domain_set_budget(vm, None).unwrap();
        0
    });
    world.run().unwrap();
    // Unthrottled at once, it spun until the end instead of waiting a whole second.
    let ran = kernel.thread_stats(greedy).unwrap().run_time_ns;
    assert!(ran >= 90 * MS, "ran {ran} ns");
}

#[test]
fn setting_the_same_budget_again_gives_no_extra_time() {
    let world = World::new();
    let kernel = world.kernel;
    let vm = kernel.domain_create("vm", DomainKind::VirtualMachine, 0, 20).unwrap();
    let budget = CpuBudget { budget_ns: 2 * MS, period_ns: 10 * MS };
    kernel.domain_set_budget(vm, Some(budget)).unwrap();
    let greedy = spinner(&world, vm, "greedy", 10);
    let w = World { kernel, clock: world.clock.clone() };
    world.spawn("manager", 5, move || {
        // Runs while the greedy one is throttled; sets the budget again, once.
        kernel.domain_set_budget(vm, Some(budget)).unwrap();
        while w.now() < RUN {
            w.tick_after(MS / 2);
        }
        0
    });
    world.run().unwrap();
    let ran = kernel.thread_stats(greedy).unwrap().run_time_ns;
    assert!(ran <= 23 * MS, "ran {ran} ns with a budget of 2 ms per 10 ms over 100 ms");
}
