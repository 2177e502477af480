//! The SMP benchmarks (`cargo xtask bench --smp`, docs/benchmarks.md "Several CPUs"), on
//! arm64 and the Cortex-A15, in two images because they need two kinds of QEMU:
//!
//! - [`latencies`] (`wells-smp-bench`, 2 CPUs under `-icount`: the CPUs take turns on one host
//!   thread, and the PMU cycle counter counts instructions, so every figure repeats exactly):
//!   a cross-core wake-up, an IPI round trip and an uncontended mutex, each read on the CPU
//!   that measures, from its own counter (`bench::Counter`; the Cortex-A15's 32-bit one is
//!   widened per CPU).
//! - [`scaling`] (`wells-smp-scaling`, every CPU of the machine under multi-threaded TCG, each
//!   CPU a host thread): the same parallel workload on 1, 2 and (where there are 4) 4 CPUs of
//!   one kernel, timed with the generic counter (the host's clock), as ratios to the 1-CPU time.
//!
//! Every figure's work is checked (values passed, echoes counted, results equal on every CPU
//! count); a check that fails prints `not ok` and the image fails.

use super::{run_and_join, spawn, spawn_on, wait_present};
use crate::bench::Counter;
use crate::gic::Gic;
use crate::smp_bring_up;
use crate::timer_host::GenericTimer;
use crate::{println, Platform};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use wells_core::arch::{Arch, InstructionCounter};
use wells_core::{Kernel, Timeout};

/// The CPU the measuring thread is pinned to, and its partner's.
const MEASURING_CPU: usize = 0;
const PARTNER_CPU: usize = 1;
/// Measured repetitions of each latency (after one warm-up); the median is printed.
const SAMPLES: usize = 7;
/// Operations per repetition.
const OPS: u64 = 200;

/// The CPU's instruction counter: started (and zeroed) on the CPU the caller runs on.
fn counting_here<P: Counter>() -> usize {
    P::Instructions::start();
    P::cpu().cpu_id()
}

/// Runs `measure` (one repetition: its instructions, or `None` when it did not stay on one CPU
/// or its work did not check out) once to warm up and [`SAMPLES`] times; prints the median in
/// tenths per operation as `smp bench: <name> | <figure>`. True when every repetition counted.
fn row<P: Platform>(name: &str, mut measure: impl FnMut() -> Option<u64>) -> bool {
    let _ = measure();
    let mut samples: Vec<u64> = (0..SAMPLES).filter_map(|_| measure()).collect();
    if samples.len() != SAMPLES {
        println!(P, "not ok - smp bench: {name}: {} of {SAMPLES} repetitions did not check out", SAMPLES - samples.len());
        return false;
    }
    samples.sort_unstable();
    let median = samples[SAMPLES / 2] * 10 / OPS;
    println!(P, "smp bench: {name} | {}.{}", median / 10, median % 10);
    true
}

/// The latency rows on the CPUs brought up (2 expected), in one kernel; `gic` is the board's
/// GIC, `timer_id` its timer interrupt.
pub fn latencies<P: GenericTimer + Counter>(board: &P, gic: &'static Gic, timer_id: u32, cpus: usize) -> bool {
    let kernel = board.new_kernel();
    gic.init_cpu_interface(timer_id);
    if cpus < 2 || !smp_bring_up::join_kernel::<P>(gic, cpus) || !wait_present::<P>(&kernel, 2) {
        println!(P, "not ok - smp bench: needs 2 CPUs in one kernel ({cpus} up)");
        return false;
    }
    let good = cross_core_wake_up::<P>(&kernel) && ipi_round_trip::<P>(&kernel, gic) && uncontended_mutex::<P>(&kernel);
    println!(P, "smp bench: {}", if good { "done" } else { "FAIL" });
    core::mem::forget(kernel);
    good
}

/// Runs `body` as the one measuring thread of the kernel (beside `partners`, started first)
/// and returns what it returned.
fn measured_by<A: Arch>(kernel: &Kernel<A>, partners: Vec<wells_core::Handle>, body: impl FnOnce() -> bool + Send + 'static) -> bool {
    let mut body = Some(body);
    let Some(thread) = spawn_on(kernel, "measure", 1 << MEASURING_CPU, move || body.take().map_or(1, |body| if body() { 0 } else { 1 })) else {
        return false;
    };
    let threads: Vec<_> = partners.into_iter().chain([thread]).collect();
    run_and_join(kernel, &threads) == Ok(0)
}

/// Two threads pinned to different CPUs pass a semaphore back and forth. Per wake: the post,
/// the other CPU's reschedule interrupt, its pick, the woken thread running, and the poster's
/// CPU going idle (it waits for the answer).
fn cross_core_wake_up<P: Counter>(kernel: &Kernel<P::Arch>) -> bool {
    let (Ok(there), Ok(back)) = (kernel.semaphore_create(0, 1), kernel.semaphore_create(0, 1)) else { return false };
    let stop = Arc::new(AtomicBool::new(false));
    // The partner's CPU at its last wake-up.
    let partner_cpu = Arc::new(AtomicU64::new(u64::MAX));
    let (stopped, at) = (stop.clone(), partner_cpu.clone());
    let Some(partner) = spawn_on(kernel, "partner", 1 << PARTNER_CPU, move || {
        let k = P::kernel();
        loop {
            if k.semaphore_wait(there, Timeout::Forever).is_err() {
                return 1;
            }
            at.store(P::cpu().cpu_id() as u64, Ordering::Relaxed);
            if stopped.load(Ordering::Relaxed) {
                return if k.semaphore_post(back).is_ok() { 0 } else { 1 };
            }
            if k.semaphore_post(back).is_err() {
                return 1;
            }
        }
    }) else {
        return false;
    };
    measured_by(kernel, alloc::vec![partner], move || {
        let k = P::kernel();
        let good = row::<P>("cross-core wake-up: semaphore post to a thread waiting on the other CPU (ping-pong, per wake)", || {
            let cpu = counting_here::<P>();
            let start = P::Instructions::read();
            let mut crossed = true;
            for _ in 0..OPS / 2 {
                if k.semaphore_post(there).is_err() || k.semaphore_wait(back, Timeout::Forever).is_err() {
                    return None;
                }
                crossed &= partner_cpu.load(Ordering::Relaxed) != cpu as u64;
            }
            let end = P::Instructions::read();
            (crossed && P::cpu().cpu_id() == cpu).then_some(end - start)
        });
        stop.store(true, Ordering::Relaxed);
        good && k.semaphore_post(there).is_ok() && k.semaphore_wait(back, Timeout::Forever).is_ok()
    })
}

/// An SGI to the other CPU, answered from its interrupt handler with an SGI back; the measuring
/// thread waits for the answer with `wfi`, looking with interrupts masked
/// (`smp_bring_up::wait_for_interrupt_until`: the answer cannot slip in between).
fn ipi_round_trip<P: Counter>(kernel: &Kernel<P::Arch>, gic: &'static Gic) -> bool {
    measured_by(kernel, Vec::new(), move || {
        row::<P>("IPI round trip: SGI to the other CPU, answered from its interrupt handler", || {
            let cpu = counting_here::<P>();
            let start = P::Instructions::read();
            for _ in 0..OPS {
                let before = smp_bring_up::echoes();
                smp_bring_up::send_echo::<P>(gic, PARTNER_CPU);
                smp_bring_up::wait_for_interrupt_until::<P>(|| smp_bring_up::echoes() != before);
            }
            let end = P::Instructions::read();
            (P::cpu().cpu_id() == cpu).then_some(end - start)
        })
    })
}

/// One thread locks and unlocks a mutex nobody else wants, with the other CPU online.
fn uncontended_mutex<P: Counter>(kernel: &Kernel<P::Arch>) -> bool {
    let Ok(mutex) = kernel.mutex_create() else { return false };
    measured_by(kernel, Vec::new(), move || {
        let k = P::kernel();
        row::<P>("mutex lock + unlock, uncontended (2 CPUs online)", || {
            let cpu = counting_here::<P>();
            let start = P::Instructions::read();
            for _ in 0..OPS {
                if k.mutex_lock(mutex, Timeout::Forever).is_err() || k.mutex_unlock(mutex).is_err() {
                    return None;
                }
            }
            let end = P::Instructions::read();
            (P::cpu().cpu_id() == cpu).then_some(end - start)
        })
    })
}

/// Threads of the parallel workload: as many as the most CPUs measured.
const WORKERS: usize = 4;
/// Units of work each worker does.
const UNITS: u64 = 4_000;
/// Mixing rounds per unit (about 2 500 instructions on arm64), then two kernel calls: the work is
/// mostly parallel, as a workload worth several CPUs is, and the kernel's lock still taken
/// often.
const ROUNDS: u32 = 512;

/// The same parallel workload run on 1, then 2, then 4 CPUs of one kernel, as many of those as
/// `cpus` (the secondaries join between runs); prints each time and its ratio to the 1-CPU
/// time.
pub fn scaling<P: GenericTimer>(board: &P, gic: &'static Gic, timer_id: u32, cpus: usize) -> bool {
    let kernel = board.new_kernel();
    gic.init_cpu_interface(timer_id);
    let mut good = true;
    let mut first: Option<(u64, [u64; WORKERS])> = None;
    for step in [1, 2, 4].into_iter().filter(|&n| n <= cpus) {
        if !smp_bring_up::join_kernel::<P>(gic, step) {
            return false;
        }
        let Some((ticks, results)) = workload::<P>(&kernel) else {
            println!(P, "not ok - smp scaling: the workload failed on {step} CPUs");
            return false;
        };
        let (_, frequency) = P::counter();
        let micros = ticks * 1_000_000 / frequency;
        let (base, expected) = *first.get_or_insert((ticks, results));
        let same = results == expected;
        good &= same;
        let ratio = base * 100 / ticks.max(1);
        println!(
            P,
            "{} - smp scaling: {step} | {micros} | {}.{:02} (CPUs, us, speed-up; results {})",
            if same { "ok" } else { "not ok" },
            ratio / 100,
            ratio % 100,
            if same { "equal to 1 CPU's" } else { "DIFFER from 1 CPU's" }
        );
    }
    println!(P, "smp bench: {}", if good { "done" } else { "FAIL" });
    core::mem::forget(kernel);
    good
}

/// [`WORKERS`] threads doing [`UNITS`] units each: mixing a number, then a semaphore post and
/// wait on a semaphore of their own (a kernel call that takes the kernel's lock and never
/// blocks). Returns the counter ticks of the run and each worker's number.
fn workload<P: GenericTimer>(kernel: &Kernel<P::Arch>) -> Option<(u64, [u64; WORKERS])> {
    let results: Arc<[AtomicU64; WORKERS]> = Arc::new([const { AtomicU64::new(0) }; WORKERS]);
    let mut threads = Vec::new();
    for worker in 0..WORKERS {
        let semaphore = kernel.semaphore_create(0, 1).ok()?;
        let out = results.clone();
        threads.push(spawn(kernel, &alloc::format!("worker{worker}"), move || {
            let k = P::kernel();
            let mut x = worker as u64 + 1;
            for _ in 0..UNITS {
                for _ in 0..ROUNDS {
                    // xorshift64: a few instructions the compiler cannot fold away.
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                }
                if k.semaphore_post(semaphore).is_err() || k.semaphore_wait(semaphore, Timeout::NoWait).is_err() {
                    return 1;
                }
            }
            out[worker].store(x, Ordering::Relaxed);
            0
        })?);
    }
    let start = P::counter().0;
    let result = run_and_join(kernel, &threads);
    let ticks = P::counter().0 - start;
    (result == Ok(0)).then(|| (ticks, core::array::from_fn(|i| results[i].load(Ordering::Relaxed))))
}
