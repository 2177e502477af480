//! The Cortex-A15 (arm32) test image: an in-kernel test runner. Each test builds a fresh kernel, runs real
//! threads on it with the real timer interrupt, checks what happened, and checks the heap is
//! back where it was. Prints `ok -`/`not ok -` lines and `N passed, N failed`, and leaves QEMU
//! with the number of failures as status.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use wells_core::{Error, Timeout};
use wells_qemu_virt_arm32::{kernel, println, Board};

pub(crate) const MS: u64 = 1_000_000;

pub(crate) type TestResult = Result<(), String>;

pub(crate) fn check(condition: bool, what: impl FnOnce() -> String) -> TestResult {
    if condition {
        Ok(())
    } else {
        Err(what())
    }
}

pub(crate) fn spawn(name: &str, priority: u8, f: impl FnOnce() -> i32 + Send + 'static) {
    let mut f = Some(f);
    let entry = alloc::boxed::Box::new(move || (f.take().expect("entry runs once"))());
    let thread = kernel().thread_create(name, priority, 0, entry).expect("create");
    kernel().thread_start(thread).expect("start");
}

fn priority_order(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let order = Arc::new(spin::Mutex::new(Vec::new()));
    for (name, priority) in [("low", 3u8), ("high", 20), ("mid", 9)] {
        let order = order.clone();
        spawn(name, priority, move || {
            order.lock().push(name);
            0
        });
    }
    k.run().map_err(|e| format!("run: {e}"))?;
    let order = order.lock().clone();
    check(order == ["high", "mid", "low"], || format!("order {order:?}"))
}

/// A thread that never makes a kernel call is preempted by the timer interrupt when a
/// higher-priority thread's sleep ends. Without preemption this test hangs (the harness's
/// time limit catches it).
fn timer_preempts_a_spinning_thread(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let stop = Arc::new(AtomicBool::new(false));
    let spins = Arc::new(AtomicU64::new(0));
    let (s, n) = (stop.clone(), spins.clone());
    spawn("spinner", 2, move || {
        while !s.load(Ordering::Relaxed) {
            n.fetch_add(1, Ordering::Relaxed);
        }
        0
    });
    let s = stop.clone();
    let woke_after = Arc::new(AtomicU64::new(0));
    let w = woke_after.clone();
    spawn("waker", 30, move || {
        let start = kernel().now_ns();
        kernel().sleep_ns(20 * MS).unwrap();
        w.store(kernel().now_ns() - start, Ordering::SeqCst);
        s.store(true, Ordering::Relaxed);
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let woke = woke_after.load(Ordering::SeqCst);
    check(spins.load(Ordering::Relaxed) > 0, || "spinner never ran".into())?;
    // Upper bound generous: QEMU's host thread may be descheduled for a while.
    check((20 * MS..1000 * MS).contains(&woke), || format!("waker woke after {woke} ns"))
}

/// Two spinning threads of one priority share the CPU in time slices.
fn round_robin_time_slices(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let stop = Arc::new(AtomicBool::new(false));
    let counters: Vec<Arc<AtomicU64>> = (0..2).map(|_| Arc::new(AtomicU64::new(0))).collect();
    for (i, counter) in counters.iter().enumerate() {
        let (s, c) = (stop.clone(), counter.clone());
        spawn(if i == 0 { "rr-a" } else { "rr-b" }, 5, move || {
            while !s.load(Ordering::Relaxed) {
                c.fetch_add(1, Ordering::Relaxed);
            }
            0
        });
    }
    let seen = Arc::new(spin::Mutex::new((0u64, 0u64)));
    let (s, counters2, seen2) = (stop.clone(), counters.clone(), seen.clone());
    spawn("judge", 20, move || {
        kernel().sleep_ns(100 * MS).unwrap();
        *seen2.lock() = (counters2[0].load(Ordering::Relaxed), counters2[1].load(Ordering::Relaxed));
        s.store(true, Ordering::Relaxed);
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let (a, b) = *seen.lock();
    check(a > 0 && b > 0, || format!("after 100 ms: rr-a counted {a}, rr-b counted {b}"))
}

fn sleep_is_accurate(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let slept = Arc::new(AtomicU64::new(0));
    let s = slept.clone();
    spawn("sleeper", 5, move || {
        let start = kernel().now_ns();
        kernel().sleep_ns(10 * MS).unwrap();
        s.store(kernel().now_ns() - start, Ordering::SeqCst);
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let slept = slept.load(Ordering::SeqCst);
    check((10 * MS..500 * MS).contains(&slept), || format!("slept {slept} ns for 10 ms"))
}

fn semaphore_ping_pong(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let ping = k.semaphore_create(0, 1).unwrap();
    let pong = k.semaphore_create(0, 1).unwrap();
    let rounds = Arc::new(AtomicU32::new(0));
    let r = rounds.clone();
    spawn("ping", 5, move || {
        for _ in 0..1000 {
            kernel().semaphore_post(ping).unwrap();
            kernel().semaphore_wait(pong, Timeout::Forever).unwrap();
            r.fetch_add(1, Ordering::SeqCst);
        }
        0
    });
    spawn("pong", 5, move || {
        for _ in 0..1000 {
            kernel().semaphore_wait(ping, Timeout::Forever).unwrap();
            kernel().semaphore_post(pong).unwrap();
        }
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let rounds = rounds.load(Ordering::SeqCst);
    check(rounds == 1000, || format!("{rounds} rounds"))
}

fn port_pipeline(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(8, 4).unwrap();
    let sum = Arc::new(AtomicU64::new(0));
    spawn("producer", 6, move || {
        for i in 1..=500u64 {
            kernel().port_send(port, &i.to_le_bytes(), Timeout::Forever).unwrap();
        }
        0
    });
    let s = sum.clone();
    spawn("consumer", 4, move || {
        let mut buf = [0u8; 8];
        let mut expected = 1u64;
        for _ in 0..500 {
            kernel().port_receive(port, &mut buf, Timeout::Forever).unwrap();
            let value = u64::from_le_bytes(buf);
            if value != expected {
                return 1;
            }
            expected += 1;
            s.fetch_add(value, Ordering::SeqCst);
        }
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let sum = sum.load(Ordering::SeqCst);
    check(sum == 500 * 501 / 2, || format!("sum {sum}"))
}

/// Low holds a mutex high needs while medium spins. With inheritance low runs at high's
/// priority as soon as high waits, releases the mutex, and high gets it while medium is still
/// spinning. Without it medium (above low) spins out its 2 s first. Written so that a stalled
/// QEMU cannot change the verdict: each step waits for the one before, not for the clock.
fn priority_inheritance(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let mutex = k.mutex_create().unwrap();
    let log = Arc::new(spin::Mutex::new(Vec::new()));
    let high_waiting = Arc::new(AtomicBool::new(false));
    let high_done = Arc::new(AtomicBool::new(false));
    let inherited = Arc::new(AtomicU32::new(0));
    let (l, waiting, seen) = (log.clone(), high_waiting.clone(), inherited.clone());
    spawn("low", 2, move || {
        kernel().mutex_lock(mutex, Timeout::Forever).unwrap();
        l.lock().push("low locked");
        let me = kernel().current_thread().unwrap();
        let give_up = kernel().now_ns() + 2000 * MS;
        while !waiting.load(Ordering::SeqCst) && kernel().now_ns() < give_up {}
        // High may still be on its way into the lock: look until inheritance shows.
        while kernel().now_ns() < give_up {
            let priority = kernel().thread_stats(me).unwrap().priority as u32;
            seen.fetch_max(priority, Ordering::SeqCst);
            if priority == 20 {
                break;
            }
        }
        l.lock().push("low unlocks");
        kernel().mutex_unlock(mutex).unwrap();
        0
    });
    let (l, done) = (log.clone(), high_done.clone());
    spawn("medium", 10, move || {
        kernel().sleep_ns(5 * MS).unwrap();
        let give_up = kernel().now_ns() + 2000 * MS;
        while kernel().now_ns() < give_up && !done.load(Ordering::SeqCst) {}
        l.lock().push("medium done");
        0
    });
    let (l, done, waiting) = (log.clone(), high_done.clone(), high_waiting.clone());
    spawn("high", 20, move || {
        kernel().sleep_ns(10 * MS).unwrap();
        waiting.store(true, Ordering::SeqCst);
        kernel().mutex_lock(mutex, Timeout::Forever).unwrap();
        l.lock().push("high locked");
        kernel().mutex_unlock(mutex).unwrap();
        done.store(true, Ordering::SeqCst);
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let log = log.lock().clone();
    let at = |what| log.iter().position(|&entry| entry == what).unwrap_or(usize::MAX);
    check(at("low unlocks") < at("high locked") && at("high locked") < at("medium done"), || {
        format!("order {log:?}")
    })?;
    let seen = inherited.load(Ordering::SeqCst);
    check(seen == 20, || format!("low ran at priority {seen} while high waited, not 20"))
}

fn periodic_timer(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let fired = Arc::new(AtomicU32::new(0));
    let f = fired.clone();
    let timer = k.timer_create(alloc::boxed::Box::new(move || {
        f.fetch_add(1, Ordering::SeqCst);
    })).unwrap();
    k.timer_start(timer, 10 * MS, 10 * MS).unwrap();
    let (at_cancel, later) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (f, c, l) = (fired.clone(), at_cancel.clone(), later.clone());
    spawn("sleeper", 5, move || {
        kernel().sleep_ns(105 * MS).unwrap();
        kernel().timer_cancel(timer).unwrap();
        c.store(f.load(Ordering::SeqCst), Ordering::SeqCst);
        kernel().sleep_ns(50 * MS).unwrap();
        l.store(f.load(Ordering::SeqCst), Ordering::SeqCst);
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let (at_cancel, later) = (at_cancel.load(Ordering::SeqCst), later.load(Ordering::SeqCst));
    // 10 periods fit in 105 ms; a stalled host may lose some (missed periods are not replayed).
    check((5..=11).contains(&at_cancel), || format!("fired {at_cancel} times in 105 ms at 10 ms"))?;
    check(later == at_cancel, || format!("fired {} times after cancel", later - at_cancel))
}

fn deadlock_is_reported(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let sem = k.semaphore_create(0, 1).unwrap();
    spawn("stuck", 5, move || {
        let _ = kernel().semaphore_wait(sem, Timeout::Forever);
        0
    });
    let result = k.run();
    check(result == Err(Error::Deadlock), || format!("run gave {result:?}"))
}

fn bad_calls_get_errors(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let mutex = k.mutex_create().unwrap();
    check(k.semaphore_post(mutex) == Err(Error::WrongKind), || "wrong kind accepted".into())?;
    check(k.sleep_ns(MS) == Err(Error::BadContext), || "sleep outside a thread".into())?;
    check(k.thread_create("x", 99, 0, alloc::boxed::Box::new(|| 0)).is_err(), || "priority 99".into())?;
    k.mutex_destroy(mutex).unwrap();
    check(k.mutex_unlock(mutex) == Err(Error::InvalidHandle), || "stale handle accepted".into())
}

#[cfg(feature = "user")]
#[path = "test_user.rs"]
mod user;

type Test = fn(&Board) -> TestResult;

const TESTS: &[(&str, Test)] = &[
    ("priority_order", priority_order),
    ("timer_preempts_a_spinning_thread", timer_preempts_a_spinning_thread),
    ("round_robin_time_slices", round_robin_time_slices),
    ("sleep_is_accurate", sleep_is_accurate),
    ("semaphore_ping_pong", semaphore_ping_pong),
    ("port_pipeline", port_pipeline),
    ("priority_inheritance", priority_inheritance),
    ("periodic_timer", periodic_timer),
    ("deadlock_is_reported", deadlock_is_reported),
    ("bad_calls_get_errors", bad_calls_get_errors),
];

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let (mut passed, mut failed) = (0, 0);
    #[cfg(not(feature = "user"))]
    let user_tests: &[(&str, Test)] = &[];
    #[cfg(feature = "user")]
    let user_tests = user::TESTS;
    for (name, test) in TESTS.iter().chain(user_tests) {
        let before = board.heap_stats().allocations;
        let mut result = test(board);
        let after = board.heap_stats().allocations;
        if result.is_ok() && after != before {
            result = Err(format!("heap: {before} allocations before, {after} after"));
        }
        match result {
            Ok(()) => {
                passed += 1;
                println!("ok - {name}");
            }
            Err(why) => {
                failed += 1;
                println!("not ok - {name}: {why}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    failed
}
