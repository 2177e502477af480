//! A thread on another CPU ended, restarted, suspended and re-placed from this one (issue 18,
//! `docs/core.md` "Several CPUs"). Each target spins on CPU 1 without entering the kernel, so
//! only the reschedule interrupt the kernel sends CPU 1 can make CPU 1 act:
//!
//! - *Stop*: a thread of a domain spins on CPU 1; a thread on CPU 0 stops the domain with code
//!   77 and joins it: the join must wake with 77.
//! - *Restart, suspend, resume*: the spinner on CPU 1 is restarted from CPU 0 (it must enter
//!   its entry again), suspended (its progress must stop) and resumed (it must go on).
//! - *Priority*: a 10 spins on CPU 1 while an 8 waits for CPU 1; CPU 0 drops the 10 to 5:
//!   CPU 1 must run the 8; CPU 0 raises it to 10 again: CPU 1 must run it again.
//! - *Inheritance*: a 5 on CPU 1 holds a mutex while an 8 spins there; a 12 on CPU 0 locks the
//!   mutex: the boosted 5 must take CPU 1 from the 8 and hand the mutex on.

use super::board::{Board, BoardKernel};
use super::memory::KERNEL_SPACE;
use wells_board_common::smp_kernel::{run_and_join, wait_present};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use wells_board_common::supervisor::mmu::Mmu;
use wells_board_common::{println, Platform};
use wells_core::arch::aarch64::counter;
use wells_core::domain::DomainKind;
use wells_core::thread::ThreadState;
use wells_core::{Handle, Timeout};

/// Seconds a check waits for the other CPU before it gives up.
const WAIT_SECONDS: u64 = 60;
const PRIORITY: u8 = 10;

/// Set when a check gave up: every spinner returns.
static GIVE_UP: AtomicBool = AtomicBool::new(false);
/// What the spinners did: entries into their entry, loops spun.
static ENTRIES: AtomicU64 = AtomicU64::new(0);
static PROGRESS: AtomicU64 = AtomicU64::new(0);

/// Runs the three checks (at least 2 CPUs); prints `ok`/`not ok` for each; true when all
/// passed.
pub fn run(kernel: &BoardKernel, cpus: usize) -> bool {
    if cpus < 2 || !wait_present::<Board>(kernel, cpus) {
        println!(Board, "not ok - smp remote: need 2 CPUs in one kernel");
        return false;
    }
    stop(kernel) & restart_suspend(kernel) & priority(kernel) & inheritance(kernel)
}

/// Spins until `done` holds, without entering the kernel, at most [`WAIT_SECONDS`]; gives up
/// (every spinner returns) when it never does.
fn spin_until(done: impl Fn() -> bool) -> bool {
    let (start, frequency) = counter();
    while !done() {
        if GIVE_UP.load(Ordering::Relaxed) || counter().0 - start > WAIT_SECONDS * frequency {
            GIVE_UP.store(true, Ordering::Relaxed);
            return false;
        }
    }
    true
}

/// Waits until `done` holds, at most [`WAIT_SECONDS`], yielding between looks; gives up
/// (every spinner returns) when it never does.
fn wait_for(done: impl Fn() -> bool) -> bool {
    let (start, frequency) = counter();
    while !done() {
        if counter().0 - start > WAIT_SECONDS * frequency {
            GIVE_UP.store(true, Ordering::Relaxed);
            return false;
        }
        let _ = Board::kernel().yield_now();
    }
    true
}

/// Spins on this CPU without entering the kernel until told to give up (then 1).
fn spin() -> i32 {
    ENTRIES.fetch_add(1, Ordering::Relaxed);
    while !GIVE_UP.load(Ordering::Relaxed) {
        PROGRESS.fetch_add(1, Ordering::Relaxed);
    }
    1
}

fn reset() {
    GIVE_UP.store(false, Ordering::Relaxed);
    ENTRIES.store(0, Ordering::Relaxed);
    PROGRESS.store(0, Ordering::Relaxed);
}

/// A thread of `priority` pinned to the CPUs of `cpus`, started; `None` when refused.
fn spawn(kernel: &BoardKernel, domain: wells_core::domain::DomainId, name: &str, priority: u8, cpus: u32, entry: impl FnMut() -> i32 + Send + 'static) -> Option<Handle> {
    let thread = kernel.thread_create_in(domain, name, priority, 0, Box::new(entry)).ok()?;
    kernel.thread_set_affinity(thread, cpus).ok()?;
    kernel.thread_start(thread).ok()?;
    Some(thread)
}

fn say(ok: bool, what: core::fmt::Arguments) -> bool {
    println!(Board, "{} - smp remote: {what}", if ok { "ok" } else { "not ok" });
    ok
}

/// A thread of a domain spinning on CPU 1, its domain stopped from CPU 0: its joiner wakes
/// with the stop's code.
fn stop(kernel: &BoardKernel) -> bool {
    reset();
    let token = <Board as Mmu>::token(KERNEL_SPACE.get());
    let Ok(domain) = kernel.domain_create("remote", DomainKind::UserApp, token, PRIORITY) else {
        return say(false, format_args!("domain"));
    };
    let Some(spinner) = spawn(kernel, domain, "spinner", PRIORITY, 1 << 1, spin) else { return say(false, format_args!("spinner")) };
    let stopper = move || {
        let k = Board::kernel();
        if !wait_for(|| PROGRESS.load(Ordering::Relaxed) > 0) {
            return 1;
        }
        if k.domain_stop(domain, 77).is_err() {
            GIVE_UP.store(true, Ordering::Relaxed);
            return 2;
        }
        match k.thread_join(spinner, Timeout::Forever) {
            Ok(77) => 0,
            _ => 3,
        }
    };
    let Some(stopper) = spawn(kernel, wells_core::domain::DomainId::KERNEL, "stopper", PRIORITY, 1, stopper) else {
        return say(false, format_args!("stopper"));
    };
    let result = run_and_join(kernel, &[stopper]);
    let destroyed = kernel.domain_destroy(domain);
    say(
        result == Ok(0) && destroyed.is_ok(),
        format_args!("a thread spinning on CPU 1, its domain stopped from CPU 0, ended with the stop's code ({result:?}, destroy {destroyed:?})"),
    )
}

/// The spinner on CPU 1 restarted, suspended and resumed from CPU 0.
fn restart_suspend(kernel: &BoardKernel) -> bool {
    reset();
    let kernel_domain = wells_core::domain::DomainId::KERNEL;
    let Some(spinner) = spawn(kernel, kernel_domain, "spinner", PRIORITY, 1 << 1, spin) else { return say(false, format_args!("spinner")) };
    let controller = move || {
        let k = Board::kernel();
        let progress = || PROGRESS.load(Ordering::Relaxed);
        if !wait_for(|| progress() > 0) {
            return 1;
        }
        // Restarted: it enters its entry a second time, on CPU 1.
        if k.thread_restart(spinner).is_err() || !wait_for(|| ENTRIES.load(Ordering::Relaxed) == 2) {
            GIVE_UP.store(true, Ordering::Relaxed);
            return 2;
        }
        // Suspended: CPU 1 takes it off; from then on it makes no progress.
        let suspended = || k.thread_stats(spinner).is_ok_and(|s| s.state == ThreadState::Suspended);
        if k.thread_suspend(spinner).is_err() || !wait_for(suspended) {
            GIVE_UP.store(true, Ordering::Relaxed);
            return 3;
        }
        let before = progress();
        let _ = k.sleep_ns(20_000_000);
        if progress() != before {
            GIVE_UP.store(true, Ordering::Relaxed);
            let _ = k.thread_resume(spinner);
            return 4;
        }
        // Resumed: it goes on; then it is told to give up and returns 1.
        if k.thread_resume(spinner).is_err() || !wait_for(|| progress() > before) {
            GIVE_UP.store(true, Ordering::Relaxed);
            return 5;
        }
        GIVE_UP.store(true, Ordering::Relaxed);
        match k.thread_join(spinner, Timeout::Forever) {
            Ok(1) => 0,
            _ => 6,
        }
    };
    let Some(controller) = spawn(kernel, kernel_domain, "controller", PRIORITY, 1, controller) else {
        return say(false, format_args!("controller"));
    };
    let result = run_and_join(kernel, &[controller]);
    let entries = ENTRIES.load(Ordering::Relaxed);
    say(
        result == Ok(0) && entries == 2,
        format_args!("a thread spinning on CPU 1 restarted ({entries} entries), suspended and resumed from CPU 0 ({result:?})"),
    )
}

/// A 10 on CPU 1 dropped to 5 from CPU 0 yields CPU 1 to a waiting 8; raised to 10 again
/// while ready, it takes CPU 1 back from the 8.
fn priority(kernel: &BoardKernel) -> bool {
    reset();
    let kernel_domain = wells_core::domain::DomainId::KERNEL;
    static MEDIUM_RAN: AtomicBool = AtomicBool::new(false);
    static RAISED: AtomicBool = AtomicBool::new(false);
    static HIGH_BACK: AtomicBool = AtomicBool::new(false);
    for flag in [&MEDIUM_RAN, &RAISED, &HIGH_BACK] {
        flag.store(false, Ordering::Relaxed);
    }
    let high = move || {
        ENTRIES.fetch_add(1, Ordering::Relaxed);
        while !GIVE_UP.load(Ordering::Relaxed) {
            PROGRESS.fetch_add(1, Ordering::Relaxed);
            if RAISED.load(Ordering::Acquire) {
                HIGH_BACK.store(true, Ordering::Release);
                return 0;
            }
        }
        1
    };
    let Some(high) = spawn(kernel, kernel_domain, "high", PRIORITY, 1 << 1, high) else { return say(false, format_args!("high")) };
    let medium = move || {
        MEDIUM_RAN.store(true, Ordering::Release);
        while !GIVE_UP.load(Ordering::Relaxed) {
            if HIGH_BACK.load(Ordering::Acquire) {
                return 0;
            }
        }
        1
    };
    let controller = move || {
        let k = Board::kernel();
        if !wait_for(|| PROGRESS.load(Ordering::Relaxed) > 0) {
            return 1;
        }
        let Ok(medium) = k.thread_create("medium", PRIORITY - 2, 0, Box::new(medium)) else { return 2 };
        if k.thread_set_affinity(medium, 1 << 1).is_err() || k.thread_start(medium).is_err() {
            return 2;
        }
        // The 8 waits behind the 10 on CPU 1.
        let _ = k.sleep_ns(20_000_000);
        let early = MEDIUM_RAN.load(Ordering::Acquire);
        // Dropped below it: CPU 1 must switch to the 8.
        if early || k.thread_set_priority(high, PRIORITY - 5).is_err() || !wait_for(|| MEDIUM_RAN.load(Ordering::Acquire)) {
            GIVE_UP.store(true, Ordering::Relaxed);
            return 3;
        }
        // Raised above it again while ready: CPU 1 must switch back.
        RAISED.store(true, Ordering::Release);
        if k.thread_set_priority(high, PRIORITY).is_err() || !wait_for(|| HIGH_BACK.load(Ordering::Acquire)) {
            GIVE_UP.store(true, Ordering::Relaxed);
            return 4;
        }
        let joined = [k.thread_join(high, Timeout::Forever), k.thread_join(medium, Timeout::Forever)];
        if joined == [Ok(0), Ok(0)] {
            0
        } else {
            5
        }
    };
    let Some(controller) = spawn(kernel, kernel_domain, "controller", PRIORITY + 2, 1, controller) else {
        return say(false, format_args!("controller"));
    };
    let result = run_and_join(kernel, &[controller]);
    say(
        result == Ok(0),
        format_args!("a 10 on CPU 1 dropped to 5 from CPU 0 yielded to a waiting 8, raised to 10 again took CPU 1 back ({result:?})"),
    )
}

/// Priority inheritance across CPUs: a 5 on CPU 1 holds a mutex, an 8 spins there; a 12 on
/// CPU 0 locks the mutex: the 5, boosted while ready, must preempt the 8 on CPU 1 (kicked) and
/// unlock, and the 12 gets the mutex while the 8 still spins.
fn inheritance(kernel: &BoardKernel) -> bool {
    reset();
    static MEDIUM_RUNS: AtomicBool = AtomicBool::new(false);
    static HIGH_GOT: AtomicBool = AtomicBool::new(false);
    MEDIUM_RUNS.store(false, Ordering::Relaxed);
    HIGH_GOT.store(false, Ordering::Relaxed);
    let Ok(mutex) = kernel.mutex_create() else { return say(false, format_args!("mutex")) };
    let medium = || {
        MEDIUM_RUNS.store(true, Ordering::Release);
        if spin_until(|| HIGH_GOT.load(Ordering::Acquire)) {
            0
        } else {
            1
        }
    };
    let low = move || {
        let k = Board::kernel();
        if k.mutex_lock(mutex, Timeout::Forever).is_err() {
            return 1;
        }
        // The 8 takes CPU 1 from this 5 at once, and keeps it until the boost.
        let medium = k.thread_create("medium", PRIORITY - 2, 0, Box::new(medium));
        let started = medium.is_ok_and(|m| k.thread_set_affinity(m, 1 << 1).is_ok() && k.thread_start(m).is_ok());
        let unlocked = k.mutex_unlock(mutex).is_ok();
        match (started, unlocked, medium.map(|m| k.thread_join(m, Timeout::Forever))) {
            (true, true, Ok(Ok(0))) => 0,
            _ => 2,
        }
    };
    let kernel_domain = wells_core::domain::DomainId::KERNEL;
    let Some(low) = spawn(kernel, kernel_domain, "low", PRIORITY - 5, 1 << 1, low) else { return say(false, format_args!("low")) };
    let high = move || {
        let k = Board::kernel();
        if !wait_for(|| MEDIUM_RUNS.load(Ordering::Acquire)) {
            return 1;
        }
        let locked = k.mutex_lock(mutex, Timeout::Forever);
        // Given the mutex while the 8 still spins: the 5 ran, boosted, before it.
        let spinning = !GIVE_UP.load(Ordering::Relaxed);
        HIGH_GOT.store(true, Ordering::Release);
        let unlocked = k.mutex_unlock(mutex);
        match (locked, spinning, unlocked, k.thread_join(low, Timeout::Forever)) {
            (Ok(()), true, Ok(()), Ok(0)) => 0,
            _ => 2,
        }
    };
    let Some(high) = spawn(kernel, kernel_domain, "high", PRIORITY + 2, 1, high) else { return say(false, format_args!("high")) };
    let result = run_and_join(kernel, &[high]);
    let destroyed = kernel.mutex_destroy(mutex);
    say(
        result == Ok(0) && destroyed.is_ok(),
        format_args!("a 5 holding a mutex on CPU 1 behind a spinning 8, boosted by a 12 locking it on CPU 0, took CPU 1 and handed it on ({result:?})"),
    )
}
