//! Scheduler behaviour on real wells threads: priority order, round-robin, preemption,
//! suspend/resume, join, deadlock detection, independent instances.

mod common;
use common::{Log, World, MS};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use wells_core::{Error, ThreadState, Timeout};

#[test]
fn highest_priority_runs_first() {
    let world = World::new();
    let log = Log::default();
    for (name, priority) in [("low", 5), ("high", 20), ("mid", 10)] {
        let log = log.clone();
        world.spawn(name, priority, move || {
            log.push(name);
            0
        });
    }
    world.run().unwrap();
    assert_eq!(log.take(), ["high", "mid", "low"]);
}

#[test]
fn a_thread_started_at_lower_priority_waits_until_the_starter_blocks() {
    let world = World::new();
    let log = Log::default();
    let (kernel, inner_log) = (world.kernel, log.clone());
    world.spawn("starter", 20, move || {
        let log = inner_log.clone();
        let low = kernel.thread_create("low", 3, 0, Box::new(move || {
            log.push("low runs");
            0
        })).unwrap();
        kernel.thread_start(low).unwrap();
        inner_log.push("starter still running");
        kernel.sleep_ns(MS).unwrap();
        inner_log.push("starter woke");
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["starter still running", "low runs", "starter woke"]);
}

#[test]
fn round_robin_shares_one_priority_level_in_time_slices() {
    let world = World::new();
    let log = Log::default();
    for name in ["a", "b", "c"] {
        let (log, w) = (log.clone(), World { kernel: world.kernel, clock: world.clock.clone() });
        world.spawn(name, 7, move || {
            for _ in 0..30 {
                log.push(name);
                w.tick_after(MS);
            }
            0
        });
    }
    world.run().unwrap();
    let entries = log.take();
    assert_eq!(entries.len(), 90);
    // Runs of one thread are one 10 ms slice long (10 iterations), rotating a, b, c.
    let runs: Vec<(String, usize)> = entries.iter().fold(Vec::new(), |mut runs, e| {
        match runs.last_mut() {
            Some((name, n)) if name == e => *n += 1,
            _ => runs.push((e.clone(), 1)),
        }
        runs
    });
    let names: Vec<&str> = runs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "a", "b", "c", "a", "b", "c"], "runs: {runs:?}");
    assert!(runs.iter().all(|&(_, n)| n == 10), "slices: {runs:?}");
}

#[test]
fn a_spinning_thread_is_preempted_when_a_higher_priority_one_wakes_on_a_tick() {
    let world = World::new();
    let stop = Arc::new(AtomicBool::new(false));
    let spins = Arc::new(AtomicU32::new(0));
    let (w, s, n) = (World { kernel: world.kernel, clock: world.clock.clone() }, stop.clone(), spins.clone());
    world.spawn("spinner", 2, move || {
        // Never blocks: only a tick can take the CPU away from it.
        while !s.load(Ordering::SeqCst) {
            n.fetch_add(1, Ordering::SeqCst);
            assert!(n.load(Ordering::SeqCst) < 10_000, "never preempted");
            w.tick_after(MS);
        }
        0
    });
    let (kernel, s) = (world.kernel, stop.clone());
    world.spawn("waker", 30, move || {
        kernel.sleep_ns(5 * MS).unwrap();
        s.store(true, Ordering::SeqCst);
        0
    });
    world.run().unwrap();
    // The waker slept 5 ms of virtual time: the spinner ran about five 1 ms loops.
    assert!((4..=6).contains(&spins.load(Ordering::SeqCst)), "spins {}", spins.load(Ordering::SeqCst));
}

#[test]
fn join_returns_exit_codes_and_the_handle_goes_stale() {
    let world = World::new();
    let kernel = world.kernel;
    let by_return = world.spawn("ret", 5, || 42);
    let by_exit = world.spawn("exit", 5, move || {
        kernel.thread_exit(-7);
        unreachable!()
    });
    let results = Log::default();
    let r = results.clone();
    world.spawn("joiner", 10, move || {
        r.push(format!("{:?}", kernel.thread_join(by_return, Timeout::Forever)));
        r.push(format!("{:?}", kernel.thread_join(by_exit, Timeout::Forever)));
        r.push(format!("{:?}", kernel.thread_join(by_exit, Timeout::Forever)));
        0
    });
    world.run().unwrap();
    assert_eq!(results.take(), ["Ok(42)", "Ok(-7)", "Err(InvalidHandle)"]);
}

#[test]
fn join_self_deadlocks_and_join_times_out() {
    let world = World::new();
    let kernel = world.kernel;
    let results = Log::default();
    let r = results.clone();
    let sleeper = world.spawn("sleeper", 5, move || {
        kernel.sleep_ns(100 * MS).unwrap();
        0
    });
    world.spawn("joiner", 10, move || {
        let me = kernel.current_thread().unwrap();
        r.push(format!("{:?}", kernel.thread_join(me, Timeout::Forever)));
        r.push(format!("{:?}", kernel.thread_join(sleeper, Timeout::Ns(10 * MS))));
        r.push(format!("{:?}", kernel.thread_join(sleeper, Timeout::NoWait)));
        r.push(format!("{:?}", kernel.thread_join(sleeper, Timeout::Forever)));
        0
    });
    world.run().unwrap();
    assert_eq!(results.take(), ["Err(Deadlock)", "Err(Timeout)", "Err(WouldBlock)", "Ok(0)"]);
}

#[test]
fn sleep_lasts_at_least_the_time_asked() {
    let world = World::new();
    let (kernel, clock) = (world.kernel, world.clock.clone());
    let slept = Arc::new(AtomicU32::new(0));
    let s = slept.clone();
    world.spawn("sleeper", 5, move || {
        let w = World { kernel, clock };
        let start = w.now();
        kernel.sleep_ns(25 * MS).unwrap();
        s.store(((w.now() - start) / MS) as u32, Ordering::SeqCst);
        0
    });
    world.run().unwrap();
    assert_eq!(slept.load(Ordering::SeqCst), 25);
}

#[test]
fn suspend_and_resume() {
    let world = World::new();
    let kernel = world.kernel;
    let log = Log::default();
    let l = log.clone();
    let worker = world.spawn("worker", 5, move || {
        l.push("worker ran");
        0
    });
    kernel.thread_suspend(worker).unwrap();
    assert_eq!(kernel.thread_stats(worker).unwrap().state, ThreadState::Suspended);
    assert_eq!(kernel.thread_suspend(worker), Err(Error::BadState));
    let l = log.clone();
    world.spawn("controller", 10, move || {
        kernel.sleep_ns(MS).unwrap();
        l.push("resuming");
        kernel.thread_resume(worker).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["resuming", "worker ran"]);
    assert_eq!(kernel.thread_resume(worker), Err(Error::BadState));
}

#[test]
fn run_reports_deadlock_when_everyone_waits_forever() {
    let world = World::new();
    let kernel = world.kernel;
    let sem = kernel.semaphore_create(0, 1).unwrap();
    world.spawn("waiter", 5, move || {
        let _ = kernel.semaphore_wait(sem, Timeout::Forever);
        0
    });
    assert_eq!(world.run(), Err(Error::Deadlock));
}

#[test]
fn statistics_count_switches_and_run_time() {
    let world = World::new();
    let kernel = world.kernel;
    let clock = world.clock.clone();
    let worker = world.spawn("worker", 5, move || {
        let w = World { kernel, clock };
        for _ in 0..3 {
            w.clock.now.fetch_add(2 * MS, Ordering::SeqCst);
            kernel.sleep_ns(MS).unwrap();
        }
        0
    });
    world.run().unwrap();
    let stats = kernel.thread_stats(worker).unwrap();
    assert_eq!(stats.name_str(), "worker");
    assert_eq!(stats.state, ThreadState::Exited);
    assert_eq!(stats.switches, 4);
    assert_eq!(stats.run_time_ns, 6 * MS);
}

#[test]
fn bad_arguments_get_errors() {
    let world = World::new();
    let kernel = world.kernel;
    assert_eq!(kernel.thread_create("x", 32, 0, Box::new(|| 0)).err(), Some(Error::InvalidArgument));
    assert_eq!(kernel.thread_create("x", 1, 1024, Box::new(|| 0)).err(), Some(Error::InvalidArgument));
    let t = kernel.thread_create("x", 1, 0, Box::new(|| 0)).unwrap();
    assert_eq!(kernel.thread_join(t, Timeout::NoWait), Err(Error::BadState));
    assert_eq!(kernel.thread_join(t, Timeout::Forever), Err(Error::BadContext), "the host cannot wait");
    kernel.thread_start(t).unwrap();
    assert_eq!(kernel.thread_start(t), Err(Error::BadState));
    // Outside a thread nothing may block.
    assert_eq!(kernel.sleep_ns(MS), Err(Error::BadContext));
    assert_eq!(kernel.yield_now(), Err(Error::BadContext));
    assert_eq!(kernel.current_thread(), Err(Error::BadContext));
    assert_eq!(kernel.thread_exit(0), Error::BadContext);
    world.run().unwrap();
}

#[test]
fn two_kernels_run_side_by_side() {
    let worlds: Vec<World> = (0..2).map(|_| World::new()).collect();
    let counters: Vec<Arc<AtomicU32>> = (0..2).map(|_| Arc::new(AtomicU32::new(0))).collect();
    for (world, counter) in worlds.iter().zip(&counters) {
        let (kernel, counter) = (world.kernel, counter.clone());
        world.spawn("counter", 5, move || {
            for _ in 0..50 {
                counter.fetch_add(1, Ordering::SeqCst);
                kernel.sleep_ns(MS).unwrap();
            }
            0
        });
    }
    let handles: Vec<_> = worlds
        .into_iter()
        .map(|world| std::thread::spawn(move || world.run()))
        .collect();
    for handle in handles {
        handle.join().unwrap().unwrap();
    }
    assert!(counters.iter().all(|c| c.load(Ordering::SeqCst) == 50));
}

/// A thread preempted by a higher-priority one keeps the rest of its slice: a frequently
/// waking high-priority thread must not starve the others of its peer's level.
#[test]
fn a_preempted_thread_keeps_the_rest_of_its_slice() {
    let world = World::new();
    let log = Log::default();
    let stop = Arc::new(AtomicBool::new(false));
    for name in ["a", "b"] {
        let (l, w, s) = (log.clone(), World { kernel: world.kernel, clock: world.clock.clone() }, stop.clone());
        world.spawn(name, 5, move || {
            while !s.load(Ordering::SeqCst) {
                l.push(name);
                w.tick_after(MS);
            }
            0
        });
    }
    let (kernel, s) = (world.kernel, stop.clone());
    world.spawn("poller", 20, move || {
        // Wakes every 4 ms, well inside the 10 ms slice of the level below.
        for _ in 0..25 {
            kernel.sleep_ns(4 * MS).unwrap();
        }
        s.store(true, Ordering::SeqCst);
        0
    });
    world.run().unwrap();
    let entries = log.take();
    let b = entries.iter().filter(|e| *e == "b").count();
    assert!(b >= 30, "b ran {b} of {} turns: starved by a's fresh slices", entries.len());
}

/// `thread_restart`: a thread blocked for ever, or suspended in the middle of its work, starts
/// over from its entry on its own stack (the OSEK layer's timing protection ends a task so).
#[test]
fn restart_starts_another_thread_over_from_its_entry() {
    let world = World::new();
    let kernel = world.kernel;
    let log = Log::default();
    let sem = kernel.semaphore_create(0, 1).unwrap();
    let starts = Arc::new(AtomicU32::new(0));
    let (l, s) = (log.clone(), starts.clone());
    let entry = Box::new(move || {
        let n = s.fetch_add(1, Ordering::SeqCst) + 1;
        l.push(format!("start {n}"));
        if n < 3 {
            // never posted: only a restart gets it out
            let _ = kernel.semaphore_wait(sem, Timeout::Forever);
            l.push("woke");
        }
        0
    });
    let worker = kernel.thread_create("worker", 5, 0, entry).unwrap();
    assert_eq!(kernel.thread_restart(worker), Err(Error::BadState), "not started yet");
    kernel.thread_start(worker).unwrap();
    let l = log.clone();
    world.spawn("supervisor", 10, move || {
        assert_eq!(kernel.thread_restart(kernel.current_thread().unwrap()), Err(Error::BadContext));
        kernel.sleep_ns(MS).unwrap(); // the worker blocks
        l.push("restart blocked");
        kernel.thread_restart(worker).unwrap();
        kernel.sleep_ns(MS).unwrap(); // it blocks again
        kernel.thread_suspend(worker).unwrap(); // a suspended one starts over too
        l.push("restart suspended");
        kernel.thread_restart(worker).unwrap();
        kernel.sleep_ns(MS).unwrap(); // it ends
        assert_eq!(kernel.thread_restart(worker), Err(Error::BadState), "ended");
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["start 1", "restart blocked", "start 2", "restart suspended", "start 3"]);
}
