//! Calls that act on a thread running on another CPU return once that CPU acted
//! (`Kernel::wait_elsewhere`, docs/core.md "Several CPUs"): a thread pinned to CPU 1 spins
//! without entering the kernel, so only the reschedule interrupt takes it off; a thread on
//! CPU 0, of a higher priority, pins it to CPU 0 and back, suspends it, resumes it, restarts
//! it and stops its domain, and right after each call looks: the spinner no longer turns
//! (pinned to a CPU the caller keeps), is `Suspended`, its old life never writes again, it has
//! ended (a join that does not wait gets its code). Before the calls waited, each returned while the
//! spinner still ran on CPU 1.

use super::{timed_out, PRIORITY};
use crate::timer_host::GenericTimer;
use crate::println;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use wells_core::arch::Arch;
use wells_core::domain::DomainKind;
use wells_core::{Kernel, ThreadState, Timeout};

/// Turns of the spinner's loop, every life together.
static SPINS: AtomicU64 = AtomicU64::new(0);
/// Times the spinner's entry started (its lives: 1, 2, ...).
static STARTS: AtomicU32 = AtomicU32::new(0);
/// The life that wrote last (0: none since the controller cleared it).
static SEEN: AtomicU32 = AtomicU32::new(0);
/// Turns the spinner made on a CPU other than 1.
static ELSEWHERE: AtomicU64 = AtomicU64::new(0);
/// The code the spinner's domain is stopped with.
const STOP_CODE: i32 = 7;

/// Runs the check on `cpus` CPUs (at least 2); prints one line, true when it passed.
pub fn run<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    for counter in [&SPINS, &ELSEWHERE] {
        counter.store(0, Ordering::Relaxed);
    }
    STARTS.store(0, Ordering::Relaxed);
    SEEN.store(0, Ordering::Relaxed);
    let start = P::counter().0;
    let Ok(domain) = kernel.domain_create("spinner", DomainKind::TaskGroup, 0, PRIORITY) else {
        println!(P, "not ok - smp kernel: acting on another CPU's thread: no domain");
        return false;
    };
    let spinner = kernel.thread_create_in(domain, "spinner", PRIORITY, 0, Box::new(move || {
        let life = STARTS.fetch_add(1, Ordering::AcqRel) + 1;
        loop {
            SEEN.store(life, Ordering::Release);
            SPINS.fetch_add(1, Ordering::Relaxed);
            if P::cpu().cpu_id() != 1 {
                ELSEWHERE.fetch_add(1, Ordering::Relaxed);
            }
            if timed_out::<P>(start) {
                return 1;
            }
        }
    }));
    let Ok(spinner) = spinner else {
        println!(P, "not ok - smp kernel: acting on another CPU's thread: no spinner");
        return false;
    };
    let controller = kernel.thread_create("controller", PRIORITY + 1, 0, Box::new(move || {
        let k = P::kernel();
        let spinning = |at_least: u64| {
            while SPINS.load(Ordering::Relaxed) < at_least {
                if timed_out::<P>(start) {
                    return false;
                }
            }
            true
        };
        if !spinning(1) {
            return 1;
        }
        // Pinned to CPU 0, where this thread, of a higher priority, keeps the CPU: off CPU 1
        // when the call returns, and it does not run until it is pinned back.
        if k.thread_set_affinity(spinner, 1).is_err() {
            return 10;
        }
        let frozen = SPINS.load(Ordering::Acquire);
        if (0..10_000).any(|_| SPINS.load(Ordering::Relaxed) != frozen) {
            println!(P, "# the spinner ran on after thread_set_affinity moved it off CPU 1");
            return 11;
        }
        if k.thread_set_affinity(spinner, 1 << 1).is_err() || !spinning(frozen + 1) {
            return 12;
        }
        // Suspended: off CPU 1 when the call returns, and it stays off.
        if k.thread_suspend(spinner).is_err() {
            return 2;
        }
        let state = k.thread_stats(spinner).map(|s| s.state);
        let frozen = SPINS.load(Ordering::Acquire);
        let moved = (0..10_000).any(|_| SPINS.load(Ordering::Relaxed) != frozen);
        if state != Ok(ThreadState::Suspended) || moved {
            println!(P, "# after thread_suspend: {state:?}, spins moved while suspended: {moved}");
            return 3;
        }
        if k.thread_resume(spinner).is_err() || !spinning(frozen + 1) {
            return 4;
        }
        // Restarted: the life that ran before the call never writes again.
        if k.thread_restart(spinner).is_err() {
            return 5;
        }
        SEEN.store(0, Ordering::Release);
        loop {
            match SEEN.load(Ordering::Acquire) {
                1 => {
                    println!(P, "# the spinner's first life ran on after thread_restart returned");
                    return 6;
                }
                2 => break,
                _ if timed_out::<P>(start) => return 7,
                _ => {}
            }
        }
        // Its domain stopped: ended when the call returns.
        if k.domain_stop(domain, STOP_CODE).is_err() {
            return 8;
        }
        match k.thread_join(spinner, Timeout::NoWait) {
            Ok(STOP_CODE) => 0,
            other => {
                println!(P, "# join right after domain_stop: {other:?}");
                9
            }
        }
    }));
    let Ok(controller) = controller else {
        println!(P, "not ok - smp kernel: acting on another CPU's thread: no controller");
        return false;
    };
    let started = [(spinner, 1u32 << 1), (controller, 1)].iter().all(|&(thread, cpu)| kernel.thread_set_affinity(thread, cpu).is_ok() && kernel.thread_start(thread).is_ok());
    let result = kernel.run().and_then(|()| kernel.thread_join(controller, Timeout::NoWait));
    let destroyed = kernel.domain_destroy(domain);
    let (lives, elsewhere) = (STARTS.load(Ordering::Relaxed), ELSEWHERE.load(Ordering::Relaxed));
    let ok = started && result == Ok(0) && destroyed.is_ok() && lives == 2 && elsewhere == 0;
    println!(
        P,
        "{} - smp kernel: re-pin, suspend, restart and domain stop of a thread spinning on CPU 1 return once CPU 1 acted ({lives} lives, {elsewhere} turns off CPU 1, {cpus} CPUs) ({result:?}, domain destroyed: {destroyed:?})",
        if ok { "ok" } else { "not ok" }
    );
    ok
}
