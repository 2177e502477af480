//! System-call fuzzing: a fuzzer task makes random calls (`wells_user::fuzz`) while a spinner
//! task at its priority must keep getting the CPU; then the fuzzer must report no accepted bad
//! buffer, the kernel must not have faulted, the fuzzer's objects must be gone with it, no
//! failed call may have changed anything (`supervisor::audit`), and the heap must be consistent
//! (the runner then checks every allocation came back).

use super::user::{expect_codes, start};
use super::{check, spawn, Test, TestResult, MS};
use crate::supervisor::{Program, TaskPlatform};
use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_core::{Handle, ThreadState};

/// Calls per fuzzer in `cargo xtask test`; an image built with feature `soak` makes 1 000 000.
pub const CALLS: usize = 100_000;
pub const SOAK_CALLS: usize = 1_000_000;

/// How often a heartbeat watchdog looks at its thread: it must have run in every such window.
const WINDOW_NS: u64 = 50 * MS;

/// Fuzzes with `fuzzer` (`calls` calls, port "fuzz" granted) beside `spinner`.
pub fn test<P: TaskPlatform>(name: &'static str, fuzzer: Program<P>, spinner: Program<P>, calls: usize) -> Test<P> {
    Test::new(name, move |board| fuzz(board, fuzzer, spinner, calls))
}

fn fuzz<P: TaskPlatform>(board: &P, fuzzer: Program<P>, spinner: Program<P>, calls: usize) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let fuzz = start::<P>(&k, "fuzzer", fuzzer, 8, calls, &[("fuzz", port)])?;
    let spin = start::<P>(&k, "heartbeat", spinner, 8, 0, &[])?;
    let k2 = P::kernel();
    let heartbeat = watch_heartbeat::<P>(
        spin.thread,
        move || P::kernel().thread_stats(fuzz.thread).is_ok_and(|t| t.state != ThreadState::Exited),
        move || k2.domain_stop(spin.domain, -5).unwrap(),
    );
    // Every failed call of both tasks must leave everything as it was (#23).
    crate::supervisor::audit::start();
    let ran = k.run();
    let audit = crate::supervisor::audit::finish();
    ran.map_err(|e| format!("run: {e}"))?;
    let heap = board.heap_stats();
    // Its last thread's exit destroyed what it created (nothing for the kernel's end).
    let kept = P::tasks().with_task(fuzz.domain, |task| Ok(task.created.len())).unwrap_or(0);
    let (windows, stalls) = heartbeat.counts();
    crate::println!(P, "fuzz: heartbeat ran in {} of {windows} windows of 50 ms; heap {} used + {} free of {}, {} live allocations; {} kernel objects, {kept} of them the fuzzer's",
        windows - stalls, heap.used, heap.free, heap.total, heap.allocations, k.object_count());
    check(heap.used + heap.free == heap.total && heap.used <= heap.peak_used, || format!("heap inconsistent: {heap:?}"))?;
    check(kept == 0, || format!("the fuzzer ended with {kept} objects of its own left"))?;
    check(stalls == 0, || format!("the heartbeat stalled in {stalls} windows"))?;
    crate::println!(P, "fuzz: {} failed calls compared before and after, {} changed something", audit.compared, audit.changed);
    check(audit.compared > 0 && audit.changed == 0, || format!("{} of {} failed calls changed something", audit.changed, audit.compared))?;
    expect_codes(&k, &[("fuzzer", fuzz, 0), ("heartbeat", spin, -5)])
}

/// What a heartbeat watchdog saw: windows of 50 ms watched, and those in which its thread did
/// not run.
pub(super) struct Heartbeat {
    windows: Arc<AtomicU32>,
    stalls: Arc<AtomicU32>,
}

impl Heartbeat {
    pub(super) fn counts(&self) -> (u32, u32) {
        (self.windows.load(Ordering::SeqCst), self.stalls.load(Ordering::SeqCst))
    }
}

/// Starts a watchdog thread that checks `thread` ran in every 50 ms window while `busy()`
/// holds, then calls `done()`.
pub(super) fn watch_heartbeat<P: crate::Platform>(thread: Handle, busy: impl Fn() -> bool + Send + 'static, done: impl FnOnce() + Send + 'static) -> Heartbeat {
    let heartbeat = Heartbeat { windows: Arc::new(AtomicU32::new(0)), stalls: Arc::new(AtomicU32::new(0)) };
    let (w, s) = (heartbeat.windows.clone(), heartbeat.stalls.clone());
    spawn::<P>("watchdog", 20, move || {
        let k = P::kernel();
        let run_time = || k.thread_stats(thread).map_or(0, |t| t.run_time_ns);
        let mut last = run_time();
        while busy() {
            k.sleep_ns(WINDOW_NS).unwrap();
            let now = run_time();
            w.fetch_add(1, Ordering::SeqCst);
            if now == last {
                s.fetch_add(1, Ordering::SeqCst);
            }
            last = now;
        }
        done();
        0
    });
    heartbeat
}
