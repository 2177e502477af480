//! The known scenario whose trace `cargo xtask test` checks switch by switch: kernel threads
//! `a` and `b` at one priority yield to each other three times each; `high`, above them, waits
//! on a semaphore that `a` posts after its third yield, so it preempts `a` at once.

use crate::Platform;
use alloc::boxed::Box;
use wells_core::thread::Entry;
use wells_core::Timeout;

/// Yields of each of `a` and `b`.
const YIELDS: usize = 3;

/// Runs the scenario on a fresh kernel with the ring on, then dumps its trace as `scenario`;
/// returns 0 when every thread ended well.
pub fn run<P: Platform>(board: &P) -> i32 {
    let k = board.new_kernel();
    super::start::<P>(&k);
    let Ok(go) = k.semaphore_create(0, 1) else { return 1 };
    let threads: [(&str, u8, Entry); 3] = [
        ("high", 9, Box::new(move || P::kernel().semaphore_wait(go, Timeout::Forever).map_or(1, |()| 0))),
        (
            "a",
            5,
            Box::new(move || {
                for _ in 0..YIELDS {
                    let _ = P::kernel().yield_now();
                }
                P::kernel().semaphore_post(go).map_or(1, |()| 0)
            }),
        ),
        (
            "b",
            5,
            Box::new(|| {
                for _ in 0..YIELDS {
                    let _ = P::kernel().yield_now();
                }
                0
            }),
        ),
    ];
    let mut started = alloc::vec::Vec::new();
    for (name, priority, entry) in threads {
        match k.thread_create(name, priority, P::THREAD_STACK, entry).and_then(|t| k.thread_start(t).map(|()| t)) {
            Ok(thread) => started.push(thread),
            Err(error) => {
                crate::println!(P, "trace scenario: thread {name}: {error}");
                return 1;
            }
        }
    }
    let ran = k.run();
    super::dump::<P>(&k, "scenario");
    let failed = started.iter().filter(|&&t| k.thread_stats(t).map_or(true, |s| s.exit_code != 0)).count();
    match ran {
        Ok(()) => failed as i32,
        Err(error) => {
            crate::println!(P, "trace scenario: run ended with {error}");
            1
        }
    }
}
