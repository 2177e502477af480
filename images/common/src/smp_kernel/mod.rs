//! One kernel on every CPU (`docs/core.md`, "Several CPUs"), the same workloads on every board
//! that runs one (arm64, Cortex-A15), written against its [`GenericTimer`]: once the board's
//! bring-up (`smp_bring_up`) brought the CPUs up, the secondaries join the boot CPU's kernel
//! (`Kernel::run_secondary`) and every CPU runs threads from its one ready queue. The
//! workloads, each a `run` of that kernel, show and check it: threads spread over every CPU;
//! semaphore wake-ups between threads on different CPUs, every value passed checked; a mutex
//! contended from every CPU, whose counter must come out exact; threads pinned to one CPU each,
//! which must run nowhere else and move when pinned elsewhere; a thread spinning on CPU 1
//! suspended, restarted and ended from CPU 0, each call returning once CPU 1 acted
//! ([`elsewhere`]); clients and servers calling over
//! ports (`port_call` / `port_reply_wait`, the IPC fast path, which must never hand the CPU to a
//! thread still on another CPU), every answer checked; transactions with members on two CPUs
//! ([`txn`]). Each thread goes on until every CPU has done its part, at most [`WAIT_SECONDS`]
//! of the counter: no time is measured, only waited for. A board gives only its GIC and its
//! timer interrupt ([`run`]).

pub mod bench;
mod elsewhere;
pub mod million;
mod txn;
pub mod user_tasks;

use crate::gic::Gic;
use crate::smp_bring_up::{self, MAX_CPUS};
use crate::timer_host::GenericTimer;
use crate::{println, Platform};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use wells_core::arch::Arch;
use wells_core::{Kernel, Timeout};

/// How long a workload waits for every CPU to take part, in seconds of the counter (the host's
/// clock under multi-threaded TCG): only a CPU that never runs a thread waits this long.
const WAIT_SECONDS: u64 = 300;
/// Priority of every workload thread (all equal: only the queue order decides).
const PRIORITY: u8 = 10;
/// Semaphore round trips per pair of threads (a pair per CPU: 4 CPUs make 100 000 wake-ups).
const ROUND_TRIPS: u64 = 12_500;
/// Calls each client makes to its server over ports.
const CALLS: u64 = 5_000;
/// Mutex sections each thread makes at least.
const SECTIONS: u64 = 5_000;

/// Per CPU: the work each workload's threads did there.
static WORK: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];
/// Per spread thread (up to 16): the CPUs it ran on, bit n for CPU n.
static RAN_ON: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
/// Set when a workload's time is up (a CPU never took part): the threads stop.
static GIVE_UP: AtomicBool = AtomicBool::new(false);

/// Joins the secondaries to a new kernel of `board` and runs the workloads on `cpus` CPUs,
/// then the board's own (`more`); `gic` is the board's GIC, `timer_id` its timer interrupt.
/// Prints `ok`/`not ok` per check; true when all passed.
pub fn run<P: GenericTimer>(board: &P, gic: &'static Gic, timer_id: u32, cpus: usize, more: impl FnOnce(&Kernel<P::Arch>, usize) -> bool) -> bool {
    let kernel = board.new_kernel();
    // The boot CPU takes the reschedule SGI too (the secondaries enabled theirs at bring-up).
    gic.init_cpu_interface(timer_id);
    let mut good = smp_bring_up::join_kernel::<P>(gic, cpus);
    good &= spread::<P>(&kernel, cpus);
    good &= ping_pong::<P>(&kernel, cpus);
    good &= contended_mutex::<P>(&kernel, cpus);
    good &= pinned::<P>(&kernel, cpus);
    good &= elsewhere::run::<P>(&kernel, cpus);
    good &= port_calls::<P>(&kernel, cpus);
    good &= txn::run::<P>(&kernel, cpus);
    good &= more(&kernel, cpus);
    // The secondaries idle inside this kernel for good: it must outlive them.
    core::mem::forget(kernel);
    good
}

/// The demo of `cargo xtask run --cpus N`: threads over every CPU, each CPU's share printed.
pub fn demo<P: GenericTimer>(board: &P, gic: &'static Gic, timer_id: u32, cpus: usize) -> bool {
    let kernel = board.new_kernel();
    gic.init_cpu_interface(timer_id);
    let good = smp_bring_up::join_kernel::<P>(gic, cpus) && spread::<P>(&kernel, cpus);
    // Where each thread ran: the one ready queue lets every thread run on every CPU.
    for (i, ran_on) in RAN_ON.iter().enumerate().take(2 * cpus) {
        let mask = ran_on.load(Ordering::Relaxed);
        let on: Vec<_> = (0..cpus).filter(|cpu| mask & 1 << cpu != 0).map(|cpu| alloc::format!("{cpu}")).collect();
        println!(P, "smp demo: thread spread{i} ran on CPUs {}", on.join(", "));
    }
    core::mem::forget(kernel);
    good
}

/// Seconds of the counter since `start` have passed [`WAIT_SECONDS`].
fn timed_out<P: GenericTimer>(start: u64) -> bool {
    let (now, frequency) = P::counter();
    now - start > WAIT_SECONDS * frequency
}

/// True when every one of the first `cpus` CPUs has `WORK` at least `at_least`.
fn every_cpu_worked(cpus: usize, at_least: u64) -> bool {
    WORK[..cpus].iter().all(|work| work.load(Ordering::Relaxed) >= at_least)
}

fn reset_work() {
    for work in &WORK {
        work.store(0, Ordering::Relaxed);
    }
    for ran_on in &RAN_ON {
        ran_on.store(0, Ordering::Relaxed);
    }
    GIVE_UP.store(false, Ordering::Relaxed);
}

/// This CPU did one more piece of the workload.
fn note_work<P: Platform>() {
    let cpu = P::cpu().cpu_id();
    if let Some(work) = WORK.get(cpu) {
        work.fetch_add(1, Ordering::Relaxed);
    }
}

/// Starts a thread of the workload; `None` (said) when the kernel refuses.
pub fn spawn<A: Arch>(kernel: &Kernel<A>, name: &str, entry: impl FnMut() -> i32 + Send + 'static) -> Option<wells_core::Handle> {
    let thread = kernel.thread_create(name, PRIORITY, 0, Box::new(entry)).ok()?;
    kernel.thread_start(thread).ok()?;
    Some(thread)
}

/// Starts a thread of the workload pinned to the CPUs of `cpus` (bit n: CPU n) from its first
/// run; `None` when the kernel refuses.
pub fn spawn_on<A: Arch>(kernel: &Kernel<A>, name: &str, cpus: u32, entry: impl FnMut() -> i32 + Send + 'static) -> Option<wells_core::Handle> {
    let thread = kernel.thread_create(name, PRIORITY, 0, Box::new(entry)).ok()?;
    kernel.thread_set_affinity(thread, cpus).ok()?;
    kernel.thread_start(thread).ok()?;
    Some(thread)
}

/// Waits until the first `cpus` CPUs have all run this kernel's threads (a thread may be pinned
/// only to those; a secondary that joined becomes one when it first looks at the queues), at
/// most [`WAIT_SECONDS`]. True when they have.
pub fn wait_present<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    let start = P::counter().0;
    let all = ((1u64 << cpus) - 1) as u32;
    while kernel.present_cpus() & all != all && !timed_out::<P>(start) {
        core::hint::spin_loop();
    }
    kernel.present_cpus() & all == all
}

/// Runs the threads until they all exited; their exit codes summed (0: all fine).
pub fn run_and_join<A: Arch>(kernel: &Kernel<A>, threads: &[wells_core::Handle]) -> Result<i32, wells_core::Error> {
    kernel.run()?;
    threads.iter().try_fold(0, |sum, &thread| Ok(sum + kernel.thread_join(thread, Timeout::NoWait)?.abs()))
}

/// Each CPU's work, for a report line.
fn shares(cpus: usize) -> alloc::string::String {
    let mut line = alloc::string::String::new();
    for (cpu, work) in WORK[..cpus].iter().enumerate() {
        line.push_str(&alloc::format!("{}CPU {cpu}: {}", if cpu == 0 { "" } else { ", " }, work.load(Ordering::Relaxed)));
    }
    line
}

/// Twice as many threads as CPUs, each working and yielding until every CPU has done 1000
/// pieces of work.
fn spread<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    reset_work();
    let start = P::counter().0;
    let threads: Vec<_> = (0..2 * cpus)
        .filter_map(|i| {
            spawn(kernel, &alloc::format!("spread{i}"), move || {
                while !every_cpu_worked(cpus, 1000) {
                    if timed_out::<P>(start) {
                        GIVE_UP.store(true, Ordering::Relaxed);
                    }
                    if GIVE_UP.load(Ordering::Relaxed) {
                        return 1;
                    }
                    note_work::<P>();
                    if let Some(ran_on) = RAN_ON.get(i) {
                        ran_on.fetch_or(1 << P::cpu().cpu_id(), Ordering::Relaxed);
                    }
                    let _ = P::kernel().yield_now();
                }
                0
            })
        })
        .collect();
    let result = run_and_join(kernel, &threads);
    let good = threads.len() == 2 * cpus && result == Ok(0) && every_cpu_worked(cpus, 1000);
    let mark = if good { "ok" } else { "not ok" };
    println!(P, "{mark} - smp kernel: {} threads spread over {cpus} CPUs, work done on each ({}) ({result:?})", threads.len(), shares(cpus));
    good
}

/// Pairs of threads pass numbers through two semaphores and a shared word: the pinger writes
/// a number and posts, the ponger waits, checks it, writes the next and posts back, the pinger
/// waits and checks. A pair goes on until it has made [`ROUND_TRIPS`] and every CPU has woken
/// a thread; wake-ups where the poster and the woken thread ran on different CPUs are counted.
fn ping_pong<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    reset_work();
    let start = P::counter().0;
    let pairs = cpus;
    let wrong = alloc::sync::Arc::new(AtomicU64::new(0));
    let crossed = alloc::sync::Arc::new(AtomicU64::new(0));
    let wakeups = alloc::sync::Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for pair in 0..pairs {
        let (Ok(ping), Ok(pong)) = (kernel.semaphore_create(0, 1), kernel.semaphore_create(0, 1)) else {
            println!(P, "not ok - smp kernel: semaphores for pair {pair}");
            return false;
        };
        // The number in flight and the CPU that posted it.
        let word = alloc::sync::Arc::new(AtomicU64::new(0));
        let poster = alloc::sync::Arc::new(AtomicU64::new(0));
        let (w, p, bad, cross, woken) = (word.clone(), poster.clone(), wrong.clone(), crossed.clone(), wakeups.clone());
        threads.extend(spawn(kernel, &alloc::format!("ping{pair}"), move || {
            let k = P::kernel();
            let mut round = 0u64;
            loop {
                if timed_out::<P>(start) {
                    GIVE_UP.store(true, Ordering::Relaxed);
                }
                // The last round sends a zero: the ponger answers it and ends.
                let last = GIVE_UP.load(Ordering::Relaxed) || (round >= ROUND_TRIPS && every_cpu_worked(cpus, 1));
                let value = if last { 0 } else { 2 * round + 1 };
                w.store(value, Ordering::Relaxed);
                p.store(P::cpu().cpu_id() as u64, Ordering::Relaxed);
                if k.semaphore_post(ping).is_err() || k.semaphore_wait(pong, Timeout::Forever).is_err() {
                    return 1;
                }
                if last {
                    return if GIVE_UP.load(Ordering::Relaxed) { 1 } else { 0 };
                }
                woken.fetch_add(1, Ordering::Relaxed);
                note_work::<P>();
                if p.load(Ordering::Relaxed) != P::cpu().cpu_id() as u64 {
                    cross.fetch_add(1, Ordering::Relaxed);
                }
                if w.load(Ordering::Relaxed) != value + 1 {
                    bad.fetch_add(1, Ordering::Relaxed);
                }
                round += 1;
            }
        }));
        let (bad, cross, woken) = (wrong.clone(), crossed.clone(), wakeups.clone());
        threads.extend(spawn(kernel, &alloc::format!("pong{pair}"), move || {
            let k = P::kernel();
            let mut expected = 1;
            loop {
                if k.semaphore_wait(ping, Timeout::Forever).is_err() {
                    return 1;
                }
                let value = word.load(Ordering::Relaxed);
                if value == 0 {
                    return if k.semaphore_post(pong).is_ok() { 0 } else { 1 };
                }
                woken.fetch_add(1, Ordering::Relaxed);
                note_work::<P>();
                if poster.load(Ordering::Relaxed) != P::cpu().cpu_id() as u64 {
                    cross.fetch_add(1, Ordering::Relaxed);
                }
                if value != expected {
                    bad.fetch_add(1, Ordering::Relaxed);
                }
                expected = value + 2;
                word.store(value + 1, Ordering::Relaxed);
                poster.store(P::cpu().cpu_id() as u64, Ordering::Relaxed);
                if k.semaphore_post(pong).is_err() {
                    return 1;
                }
            }
        }));
    }
    let result = run_and_join(kernel, &threads);
    let (wrong, crossed, wakeups) = (wrong.load(Ordering::Relaxed), crossed.load(Ordering::Relaxed), wakeups.load(Ordering::Relaxed));
    let good = threads.len() == 2 * pairs && result == Ok(0) && wrong == 0 && (crossed > 0 || cpus == 1) && wakeups >= 2 * pairs as u64 * ROUND_TRIPS && every_cpu_worked(cpus, 1);
    let mark = if good { "ok" } else { "not ok" };
    println!(
        P,
        "{mark} - smp kernel: {pairs} pairs, {wakeups} semaphore wake-ups each checked: {wrong} wrong, {crossed} across CPUs ({}) ({result:?})",
        shares(cpus)
    );
    good
}

/// Twice as many threads as CPUs lock one mutex, read a counter, write it back one higher
/// and unlock; a thread inside finding another inside, or a lost update, is a failure. Each
/// makes at least [`SECTIONS`] and goes on until every CPU has held the mutex.
fn contended_mutex<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    reset_work();
    let start = P::counter().0;
    let Ok(mutex) = kernel.mutex_create() else {
        println!(P, "not ok - smp kernel: mutex");
        return false;
    };
    let counter_word = alloc::sync::Arc::new(AtomicU64::new(0));
    let made = alloc::sync::Arc::new(AtomicU64::new(0));
    let inside = alloc::sync::Arc::new(AtomicBool::new(false));
    let overlaps = alloc::sync::Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..2 * cpus)
        .filter_map(|i| {
            let (count, made, inside, overlaps) = (counter_word.clone(), made.clone(), inside.clone(), overlaps.clone());
            spawn(kernel, &alloc::format!("locker{i}"), move || {
                let k = P::kernel();
                let mut mine = 0u64;
                while mine < SECTIONS || !every_cpu_worked(cpus, 1) {
                    if timed_out::<P>(start) {
                        GIVE_UP.store(true, Ordering::Relaxed);
                    }
                    if GIVE_UP.load(Ordering::Relaxed) || k.mutex_lock(mutex, Timeout::Forever).is_err() {
                        made.fetch_add(mine, Ordering::Relaxed);
                        return 1;
                    }
                    if inside.swap(true, Ordering::Acquire) {
                        overlaps.fetch_add(1, Ordering::Relaxed);
                    }
                    // Read, then write: not atomic on purpose, only the mutex keeps it whole.
                    let value = count.load(Ordering::Relaxed);
                    note_work::<P>();
                    count.store(value + 1, Ordering::Relaxed);
                    inside.store(false, Ordering::Release);
                    mine += 1;
                    if k.mutex_unlock(mutex).is_err() {
                        made.fetch_add(mine, Ordering::Relaxed);
                        return 1;
                    }
                }
                made.fetch_add(mine, Ordering::Relaxed);
                0
            })
        })
        .collect();
    let result = run_and_join(kernel, &threads);
    let (total, made, overlaps) = (counter_word.load(Ordering::Relaxed), made.load(Ordering::Relaxed), overlaps.load(Ordering::Relaxed));
    let good = threads.len() == 2 * cpus && result == Ok(0) && total == made && overlaps == 0 && made >= 2 * cpus as u64 * SECTIONS && every_cpu_worked(cpus, 1);
    let mark = if good { "ok" } else { "not ok" };
    println!(
        P,
        "{mark} - smp kernel: a mutex contended by {} threads on {cpus} CPUs: counter {total} of {made} sections, {overlaps} overlaps (held on {}) ({result:?})",
        threads.len(),
        shares(cpus)
    );
    good
}

/// Runs each pinned thread makes on one CPU, then on the next.
const PINNED_RUNS: u64 = 300;

/// Thread affinity: twice as many threads as CPUs, thread i pinned to CPU i mod `cpus` before
/// it starts. Each records the CPU it runs on ([`Arch::cpu_id`]) every time it runs (once per
/// yield), [`PINNED_RUNS`] times; then it pins itself to the next CPU, must be running there
/// when the call returns, and records as many runs there. Every record must name its pin.
/// Then a thread that never enters the kernel, pinned to CPU 1, is pinned to CPU 0 by a thread
/// there: CPU 1 must let it go (the reschedule interrupt) and CPU 0 take it. The bad sets get
/// `InvalidArgument`: empty, a CPU that is not online, one past the kernel's count.
fn pinned<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    reset_work();
    let all = (1u32 << cpus) - 1;
    // The secondaries joined before the first workload; each is in the kernel's set by now.
    let mut good = wait_present::<P>(kernel, cpus);
    let start = P::counter().0;
    // The bad sets, on a created thread: each refused, the set left as it was.
    let Ok(unstarted) = kernel.thread_create("unstarted", PRIORITY, 0, Box::new(|| 0)) else {
        println!(P, "not ok - smp kernel: affinity: thread");
        return false;
    };
    let offline = if cpus < MAX_CPUS { 1u32 << cpus } else { 0 };
    for (what, set) in [("empty", 0), ("a CPU that is not online", offline), ("CPU 8, past the kernel's count", 1 << 8)] {
        let answer = kernel.thread_set_affinity(unstarted, set);
        let ok = answer == Err(wells_core::Error::InvalidArgument) && kernel.thread_affinity(unstarted).is_ok_and(|kept| kept & all == all);
        println!(P, "{} - smp kernel: affinity: a set {what} ({set:#x}) is refused ({answer:?})", if ok { "ok" } else { "not ok" });
        good &= ok;
    }
    let bad_handle = kernel.thread_set_affinity(wells_core::Handle::from_raw(0), 1);
    good &= bad_handle == Err(wells_core::Error::InvalidHandle) && kernel.thread_discard(unstarted).is_ok();

    let wrong = alloc::sync::Arc::new(AtomicU64::new(0));
    let moved = alloc::sync::Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..2 * cpus)
        .filter_map(|i| {
            let (wrong, moved) = (wrong.clone(), moved.clone());
            let first = i % cpus;
            let thread = kernel
                .thread_create(&alloc::format!("pinned{i}"), PRIORITY, 0, Box::new(move || {
                    let k = P::kernel();
                    let Ok(me) = k.current_thread() else { return 1 };
                    for pin in [first, (first + 1) % cpus] {
                        if pin != first {
                            // Pinned elsewhere while it runs: it is there when the call returns.
                            if k.thread_set_affinity(me, 1 << pin).is_err() || k.thread_affinity(me) != Ok(1 << pin) {
                                return 1;
                            }
                            if P::cpu().cpu_id() == pin {
                                moved.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        for _ in 0..PINNED_RUNS {
                            if timed_out::<P>(start) {
                                return 1;
                            }
                            let cpu = P::cpu().cpu_id();
                            note_work::<P>();
                            if cpu != pin {
                                wrong.fetch_add(1, Ordering::Relaxed);
                            }
                            if let Some(ran_on) = RAN_ON.get(i) {
                                ran_on.fetch_or(1 << cpu, Ordering::Relaxed);
                            }
                            let _ = k.yield_now();
                        }
                    }
                    0
                }))
                .ok()?;
            let pinned = kernel.thread_set_affinity(thread, 1 << first).is_ok() && kernel.thread_affinity(thread) == Ok(1 << first);
            (pinned && kernel.thread_start(thread).is_ok()).then_some(thread)
        })
        .collect();
    let result = run_and_join(kernel, &threads);
    let (wrong, moved) = (wrong.load(Ordering::Relaxed), moved.load(Ordering::Relaxed));
    // Each ran on its two CPUs, and on no other.
    let places = (0..2 * cpus).all(|i| RAN_ON[i].load(Ordering::Relaxed) == (1 << (i % cpus) | 1 << ((i + 1) % cpus)) as u32);
    let ok = threads.len() == 2 * cpus && result == Ok(0) && wrong == 0 && moved == 2 * cpus as u64 && places && every_cpu_worked(cpus, 2 * PINNED_RUNS);
    println!(
        P,
        "{} - smp kernel: {} threads pinned one CPU each, then the next: {wrong} runs off their CPU, {moved} moved at once ({}) ({result:?})",
        if ok { "ok" } else { "not ok" },
        threads.len(),
        shares(cpus)
    );
    good &= ok;
    if cpus > 1 {
        good &= move_a_spinner::<P>(kernel, cpus);
    }
    good
}

/// A thread pinned to CPU 1 spins without entering the kernel, recording its CPU; a thread
/// on CPU 0 pins it to CPU 0 and joins it. Only the reschedule interrupt takes it off CPU 1,
/// and it must then run on CPU 0 (no other CPU may take it).
fn move_a_spinner<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    reset_work();
    let start = P::counter().0;
    let spinning = alloc::sync::Arc::new(AtomicBool::new(false));
    let wrong = alloc::sync::Arc::new(AtomicU64::new(0));
    let (on, off) = (spinning.clone(), wrong.clone());
    let spinner = kernel.thread_create("spinner", PRIORITY, 0, Box::new(move || {
        loop {
            let cpu = P::cpu().cpu_id();
            match cpu {
                0 => return 0,
                1 => on.store(true, Ordering::Release),
                _ => {
                    off.fetch_add(1, Ordering::Relaxed);
                }
            }
            if timed_out::<P>(start) {
                return 1;
            }
        }
    }));
    let Ok(spinner) = spinner else { return false };
    let mover = kernel.thread_create("mover", PRIORITY, 0, Box::new(move || {
        let k = P::kernel();
        while !spinning.load(Ordering::Acquire) {
            if timed_out::<P>(start) {
                return 1;
            }
            let _ = k.yield_now();
        }
        if k.thread_set_affinity(spinner, 1).is_err() {
            return 1;
        }
        // Blocks: CPU 0 is free for the spinner, once CPU 1 has let it go.
        k.thread_join(spinner, Timeout::Forever).map_or(1, |code| code.abs())
    }));
    let Ok(mover) = mover else { return false };
    let started = [(spinner, 1u32 << 1), (mover, 1)].iter().all(|&(thread, cpu)| kernel.thread_set_affinity(thread, cpu).is_ok() && kernel.thread_start(thread).is_ok());
    let result = kernel.run().and_then(|()| kernel.thread_join(mover, Timeout::NoWait));
    let wrong = wrong.load(Ordering::Relaxed);
    let ok = started && result == Ok(0) && wrong == 0;
    println!(
        P,
        "{} - smp kernel: a thread spinning on CPU 1, pinned to CPU 0 from there, left CPU 1 for CPU 0 ({wrong} runs elsewhere, {cpus} CPUs) ({result:?})",
        if ok { "ok" } else { "not ok" }
    );
    ok
}

/// A client and a server per CPU: the client sends each number with `port_call` on its
/// pair's request port, the server answers it plus one with `port_reply_wait`, the client
/// checks the answer. Whether a call takes the fast path (a server waiting and not on another
/// CPU) or the slow one, every answer must be right; the hand-offs are reported.
fn port_calls<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    reset_work();
    let wrong = alloc::sync::Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    let mut ports = Vec::new();
    for pair in 0..cpus {
        let (Ok(requests), Ok(replies)) = (kernel.port_create(16, 1), kernel.port_create(16, 1)) else {
            println!(P, "not ok - smp kernel: ports for pair {pair}");
            return false;
        };
        ports.push((requests, replies));
        let bad = wrong.clone();
        threads.extend(spawn(kernel, &alloc::format!("client{pair}"), move || {
            let k = P::kernel();
            // The last call sends zero: the server answers it and ends.
            for n in (1..=CALLS).chain(core::iter::once(0)) {
                let mut buf = [0u8; 16];
                buf[..8].copy_from_slice(&n.to_le_bytes());
                if k.port_call(requests, replies, &mut buf, Timeout::Forever) != Ok(16) {
                    return 1;
                }
                note_work::<P>();
                if buf[..8] != (n + 1).to_le_bytes() || buf[8..] != (!n).to_le_bytes() {
                    bad.fetch_add(1, Ordering::Relaxed);
                }
            }
            0
        }));
        threads.extend(spawn(kernel, &alloc::format!("server{pair}"), move || {
            let k = P::kernel();
            let mut buf = [0u8; 16];
            if k.port_receive(requests, &mut buf, Timeout::Forever) != Ok(16) {
                return 1;
            }
            loop {
                let n = u64::from_le_bytes(buf[..8].try_into().unwrap_or_default());
                buf[..8].copy_from_slice(&(n + 1).to_le_bytes());
                buf[8..].copy_from_slice(&(!n).to_le_bytes());
                if n == 0 {
                    return if k.port_send(replies, &buf, Timeout::Forever).is_ok() { 0 } else { 1 };
                }
                if k.port_reply_wait(replies, requests, &mut buf, Timeout::Forever) != Ok(16) {
                    return 1;
                }
            }
        }));
    }
    let result = run_and_join(kernel, &threads);
    let handoffs: u64 = ports.iter().map(|&(requests, replies)| kernel.port_handoffs(requests).unwrap_or(0) + kernel.port_handoffs(replies).unwrap_or(0)).sum();
    let wrong = wrong.load(Ordering::Relaxed);
    let calls = cpus as u64 * (CALLS + 1);
    let good = threads.len() == 2 * cpus && result == Ok(0) && wrong == 0 && handoffs <= 2 * calls;
    let mark = if good { "ok" } else { "not ok" };
    println!(
        P,
        "{mark} - smp kernel: {cpus} client/server pairs over ports, {calls} calls each answered: {wrong} wrong, {handoffs} messages handed straight to a waiting thread ({}) ({result:?})",
        shares(cpus)
    );
    good
}
