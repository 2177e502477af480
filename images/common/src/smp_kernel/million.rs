//! A million cross-core operations on one kernel (`wells-smp-stress`, arm64 and Cortex-A15;
//! issue 18's stress test): once the CPUs joined the kernel, pairs of threads pass
//! [`PORT_MESSAGES`] numbered messages through ports and [`EVENT_HANDOFFS`] values through
//! auto-reset events, all at once, every one checked on arrival: a lost, doubled, reordered or
//! torn message or value is counted as wrong. The two threads of a pair are pinned to different
//! CPUs, so every operation crosses (each records the sender's CPU, and all must differ from
//! the receiver's). No time is measured: the threads give up only after [`WAIT_SECONDS`] of the
//! counter. First each CPU's instruction counter is checked to be its own ([`counter_per_cpu`]).

use super::{run_and_join, spawn_on, wait_present};
use crate::bench::Counter;
use crate::gic::Gic;
use crate::{smp_bring_up, smp_stress};
use crate::timer_host::GenericTimer;
use crate::{println, Platform};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use wells_core::arch::{Arch, InstructionCounter};
use wells_core::{Kernel, Timeout};

/// Messages through ports, in all (split over the pairs).
const PORT_MESSAGES: u64 = 750_000;
/// Values through events, in all (split over the pairs).
const EVENT_HANDOFFS: u64 = 250_000;
/// Messages a port holds: a sender runs ahead of its receiver by at most this many.
const PORT_DEPTH: u32 = 8;
/// How long the threads go on before they give up, in seconds of the counter (the host's
/// clock under multi-threaded TCG): only a stalled run waits this long.
const WAIT_SECONDS: u64 = 600;
/// Mixed into each message's check word, so a message of another pair does not pass.
const CHECK: u64 = 0x9e37_79b9_7f4a_7c15;

/// What every pair adds up.
#[derive(Default)]
struct Tally {
    done: AtomicU64,
    wrong: AtomicU64,
    crossed: AtomicU64,
    give_up: AtomicBool,
}

impl Tally {
    /// One operation arrived: `good` if it checked out, `crossed` if its sender ran on
    /// another CPU.
    fn arrived(&self, good: bool, crossed: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.wrong.fetch_add(!good as u64, Ordering::Relaxed);
        self.crossed.fetch_add(crossed as u64, Ordering::Relaxed);
    }

    /// True (and every thread told to stop) once the time is up.
    fn out_of_time<P: GenericTimer>(&self, start: u64) -> bool {
        let (now, frequency) = P::counter();
        if now - start > WAIT_SECONDS * frequency {
            self.give_up.store(true, Ordering::Relaxed);
        }
        self.give_up.load(Ordering::Relaxed)
    }
}

fn this_cpu<P: Platform>() -> u64 {
    P::cpu().cpu_id() as u64
}

/// Joins the secondaries to a new kernel of `board` and runs the stress on `cpus` CPUs; `gic`
/// is the board's GIC, `timer_id` its timer interrupt. Prints `ok`/`not ok` per kind of
/// operation; true when all passed.
pub fn run<P: GenericTimer + Counter>(board: &P, gic: &'static Gic, timer_id: u32, cpus: usize) -> bool {
    let kernel = board.new_kernel();
    gic.init_cpu_interface(timer_id);
    if cpus < 2 || !smp_bring_up::join_kernel::<P>(gic, cpus) || !wait_present::<P>(&kernel, cpus) {
        println!(P, "not ok - smp stress: needs at least 2 CPUs in one kernel ({cpus} up)");
        return false;
    }
    if !counter_per_cpu::<P>(&kernel) {
        return false;
    }
    let pairs = cpus as u64;
    let start = P::counter().0;
    let (ports, events) = (Arc::new(Tally::default()), Arc::new(Tally::default()));
    let mut threads = Vec::new();
    for pair in 0..pairs {
        // This pair's two CPUs.
        let (one, other) = (1 << (pair as usize % cpus), 1 << ((pair as usize + 1) % cpus));
        let Some(started) = port_pair::<P>(&kernel, pair, [one, other], PORT_MESSAGES / pairs, start, &ports) else {
            println!(P, "not ok - smp stress: the port pair {pair} did not start");
            return false;
        };
        threads.extend(started);
        let Some(started) = event_pair::<P>(&kernel, pair, [one, other], EVENT_HANDOFFS / pairs, start, &events) else {
            println!(P, "not ok - smp stress: the event pair {pair} did not start");
            return false;
        };
        threads.extend(started);
    }
    let result = run_and_join(&kernel, &threads);
    let mut good = result == Ok(0);
    let wanted_events = EVENT_HANDOFFS / pairs / 2 * 2 * pairs;
    for (what, tally, wanted) in [("port messages", &ports, PORT_MESSAGES / pairs * pairs), ("event hand-offs", &events, wanted_events)] {
        let (done, wrong, crossed) = (tally.done.load(Ordering::Relaxed), tally.wrong.load(Ordering::Relaxed), tally.crossed.load(Ordering::Relaxed));
        let passed = done == wanted && wrong == 0 && crossed == wanted && !tally.give_up.load(Ordering::Relaxed);
        println!(P, "{} - smp stress: {done} of {wanted} {what} across {pairs} pairs, each checked: {wrong} wrong, {crossed} across CPUs", if passed { "ok" } else { "not ok" });
        good &= passed;
    }
    let total = ports.done.load(Ordering::Relaxed) + events.done.load(Ordering::Relaxed);
    println!(P, "{} - smp stress: {total} cross-core operations on {cpus} CPUs ({result:?})", if good { "ok" } else { "not ok" });
    // The secondaries idle inside this kernel for good: it must outlive them.
    core::mem::forget(kernel);
    good
}

/// A message: its number, the sender's CPU, and a check word of both and the pair.
fn message(pair: u64, number: u64, cpu: u64) -> [u8; 24] {
    let mut bytes = [0u8; 24];
    bytes[..8].copy_from_slice(&number.to_le_bytes());
    bytes[8..16].copy_from_slice(&cpu.to_le_bytes());
    bytes[16..].copy_from_slice(&(number.wrapping_mul(CHECK) ^ pair ^ cpu << 56).to_le_bytes());
    bytes
}

/// Sender (on the CPUs of `cpus[0]`) and receiver (on `cpus[1]`) of `count` messages through a
/// port of their own.
fn port_pair<P: GenericTimer>(kernel: &Kernel<P::Arch>, pair: u64, cpus: [u32; 2], count: u64, start: u64, tally: &Arc<Tally>) -> Option<[wells_core::Handle; 2]> {
    let port = kernel.port_create(24, PORT_DEPTH).ok()?;
    let sending = tally.clone();
    let sender = spawn_on(kernel, &alloc::format!("sender{pair}"), cpus[0], move || {
        let k = P::kernel();
        for number in 0..count {
            if sending.out_of_time::<P>(start) || k.port_send(port, &message(pair, number, this_cpu::<P>()), Timeout::Forever).is_err() {
                return 1;
            }
        }
        0
    })?;
    let tally = tally.clone();
    let receiver = spawn_on(kernel, &alloc::format!("receiver{pair}"), cpus[1], move || {
        let k = P::kernel();
        let mut buffer = [0u8; 24];
        for number in 0..count {
            if tally.out_of_time::<P>(start) {
                return 1;
            }
            let Ok(length) = k.port_receive(port, &mut buffer, Timeout::Forever) else { return 1 };
            let word = |i: usize| u64::from_le_bytes(buffer[i * 8..i * 8 + 8].try_into().unwrap_or_default());
            let cpu = word(1);
            let good = length == 24 && buffer == message(pair, number, cpu);
            tally.arrived(good, cpu != this_cpu::<P>());
        }
        0
    })?;
    Some([sender, receiver])
}

/// Two threads (on the CPUs of `cpus[0]` and `cpus[1]`) handing `count` values back and forth
/// through a shared word and two auto-reset events: odd values one way, even ones back, each
/// checked on arrival.
fn event_pair<P: GenericTimer>(kernel: &Kernel<P::Arch>, pair: u64, cpus: [u32; 2], count: u64, start: u64, tally: &Arc<Tally>) -> Option<[wells_core::Handle; 2]> {
    let (there, back) = (kernel.event_create(true, false).ok()?, kernel.event_create(true, false).ok()?);
    // The value in flight and the CPU that set it.
    let word = Arc::new(AtomicU64::new(0));
    let setter = Arc::new(AtomicU64::new(0));
    let rounds = count / 2;
    let (w, s, t) = (word.clone(), setter.clone(), tally.clone());
    let serve = spawn_on(kernel, &alloc::format!("serve{pair}"), cpus[0], move || {
        let k = P::kernel();
        for round in 0..rounds {
            w.store(2 * round + 1, Ordering::Relaxed);
            s.store(this_cpu::<P>(), Ordering::Release);
            if t.out_of_time::<P>(start) || k.event_set(there).is_err() || k.event_wait(back, Timeout::Forever).is_err() {
                return 1;
            }
            t.arrived(w.load(Ordering::Acquire) == 2 * round + 2, s.load(Ordering::Relaxed) != this_cpu::<P>());
        }
        0
    })?;
    let tally = tally.clone();
    let answer = spawn_on(kernel, &alloc::format!("answer{pair}"), cpus[1], move || {
        let k = P::kernel();
        for round in 0..rounds {
            if tally.out_of_time::<P>(start) || k.event_wait(there, Timeout::Forever).is_err() {
                return 1;
            }
            let value = word.load(Ordering::Acquire);
            tally.arrived(value == 2 * round + 1, setter.load(Ordering::Relaxed) != this_cpu::<P>());
            word.store(value + 1, Ordering::Relaxed);
            setter.store(this_cpu::<P>(), Ordering::Release);
            if k.event_set(back).is_err() {
                return 1;
            }
        }
        0
    })?;
    Some([serve, answer])
}

/// Readings each of the two CPUs takes in [`counter_per_cpu`].
const READINGS: u32 = 200;
/// How far CPU 0's counter runs before CPU 1 starts its own, in counts (0.1 s of the host's
/// clock under multi-threaded TCG): more than a turn of the readings takes even on a loaded
/// host, so CPU 1's count stays below CPU 0's, and a value shared by both would jump.
const START_APART: u64 = 100_000_000;
/// The largest step allowed between two readings on one CPU: a widened value shared by both
/// CPUs jumps by nearly 2^32 when the CPU reading changes.
const MOST_STEP: u64 = 1 << 31;

/// Each CPU's instruction counter is its own (the Cortex-A15's 32-bit `PMCCNTR` is widened per
/// CPU: `wells_core::arch::widened`): CPU 1 starts its counter [`START_APART`] counts after
/// CPU 0, then the two read theirs in turn, [`READINGS`] times each; every step between two
/// readings on one CPU must be forward and under [`MOST_STEP`]. Prints `ok`/`not ok`.
fn counter_per_cpu<P: GenericTimer + Counter>(kernel: &Kernel<P::Arch>) -> bool {
    // The turn: CPU 0 reads on even turns, CPU 1 on odd ones.
    let turn = Arc::new(AtomicU32::new(0));
    let steps = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let start = P::counter().0;
    let mut threads = Vec::new();
    for cpu in 0..2u32 {
        let (turn, steps) = (turn.clone(), steps.clone());
        let Some(thread) = spawn_on(kernel, &alloc::format!("counter{cpu}"), 1 << cpu, move || {
            let out_of_time = || P::counter().0 - start > WAIT_SECONDS * P::counter().1;
            if cpu == 0 {
                P::Instructions::start();
                while P::Instructions::read() < START_APART && !out_of_time() {
                    smp_stress::relax();
                }
            }
            let mut last: Option<u64> = None;
            for now_turn in (cpu..2 * READINGS).step_by(2) {
                while turn.load(Ordering::Acquire) != now_turn {
                    if out_of_time() {
                        return 1;
                    }
                    smp_stress::relax();
                }
                if cpu == 1 && last.is_none() {
                    P::Instructions::start();
                }
                let now = P::Instructions::read();
                if let Some(before) = last {
                    let step = now.wrapping_sub(before);
                    steps[cpu as usize].fetch_max(step, Ordering::Relaxed);
                }
                last = Some(now);
                turn.store(now_turn + 1, Ordering::Release);
            }
            0
        }) else {
            println!(P, "not ok - smp counter: the reading threads did not start");
            return false;
        };
        threads.push(thread);
    }
    let result = run_and_join(kernel, &threads);
    let [first, second] = [steps[0].load(Ordering::Relaxed), steps[1].load(Ordering::Relaxed)];
    let good = result == Ok(0) && first < MOST_STEP && second < MOST_STEP;
    println!(
        P,
        "{} - smp counter: each CPU's instruction counter its own: CPU 1 started {START_APART} counts after CPU 0, {READINGS} readings each in turn, largest step CPU 0 {first}, CPU 1 {second} (under {MOST_STEP}) ({result:?})",
        if good { "ok" } else { "not ok" }
    );
    good
}
