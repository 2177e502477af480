//! A million cross-core operations on one kernel (`wells-smp-stress`; issue 18's stress test):
//! once the CPUs joined the kernel, pairs of threads pass [`PORT_MESSAGES`] numbered messages
//! through ports and [`EVENT_HANDOFFS`] values through auto-reset events, all at once, every
//! one checked on arrival: a lost, doubled, reordered or torn message or value is counted as
//! wrong. The two threads of a pair are pinned to different CPUs, so every operation crosses
//! (each records the sender's CPU, and all must differ from the receiver's). No time is
//! measured: the threads give up only after [`WAIT_SECONDS`] of the counter.

use super::board::{Board, BoardKernel, GIC, VIRTUAL_TIMER};
use wells_board_common::smp_kernel::{run_and_join, spawn_on, wait_present};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use wells_board_common::{println, Platform};
use wells_core::arch::aarch64::{counter, Aarch64};
use wells_core::arch::Arch;
use wells_core::Timeout;

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
    fn out_of_time(&self, start: u64) -> bool {
        let (now, frequency) = counter();
        if now - start > WAIT_SECONDS * frequency {
            self.give_up.store(true, Ordering::Relaxed);
        }
        self.give_up.load(Ordering::Relaxed)
    }
}

fn this_cpu() -> u64 {
    Aarch64.cpu_id() as u64
}

/// Joins the secondaries to a new kernel and runs the stress on `cpus` CPUs. Prints `ok`/`not
/// ok` per kind of operation; true when all passed.
pub fn run(board: &Board, cpus: usize) -> bool {
    let kernel = board.new_kernel();
    GIC.init_cpu_interface(VIRTUAL_TIMER);
    if cpus < 2 || !super::smp::join_kernel(cpus) || !wait_present::<Board>(&kernel, cpus) {
        println!(Board, "not ok - smp stress: needs at least 2 CPUs in one kernel ({cpus} up)");
        return false;
    }
    let pairs = cpus as u64;
    let start = counter().0;
    let (ports, events) = (Arc::new(Tally::default()), Arc::new(Tally::default()));
    let mut threads = Vec::new();
    for pair in 0..pairs {
        // This pair's two CPUs.
        let (one, other) = (1 << (pair as usize % cpus), 1 << ((pair as usize + 1) % cpus));
        let Some(started) = port_pair(&kernel, pair, [one, other], PORT_MESSAGES / pairs, start, &ports) else {
            println!(Board, "not ok - smp stress: the port pair {pair} did not start");
            return false;
        };
        threads.extend(started);
        let Some(started) = event_pair(&kernel, pair, [one, other], EVENT_HANDOFFS / pairs, start, &events) else {
            println!(Board, "not ok - smp stress: the event pair {pair} did not start");
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
        println!(Board, "{} - smp stress: {done} of {wanted} {what} across {pairs} pairs, each checked: {wrong} wrong, {crossed} across CPUs", if passed { "ok" } else { "not ok" });
        good &= passed;
    }
    let total = ports.done.load(Ordering::Relaxed) + events.done.load(Ordering::Relaxed);
    println!(Board, "{} - smp stress: {total} cross-core operations on {cpus} CPUs ({result:?})", if good { "ok" } else { "not ok" });
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
fn port_pair(kernel: &BoardKernel, pair: u64, cpus: [u32; 2], count: u64, start: u64, tally: &Arc<Tally>) -> Option<[wells_core::Handle; 2]> {
    let port = kernel.port_create(24, PORT_DEPTH).ok()?;
    let sending = tally.clone();
    let sender = spawn_on(kernel, &alloc::format!("sender{pair}"), cpus[0], move || {
        let k = Board::kernel();
        for number in 0..count {
            if sending.out_of_time(start) || k.port_send(port, &message(pair, number, this_cpu()), Timeout::Forever).is_err() {
                return 1;
            }
        }
        0
    })?;
    let tally = tally.clone();
    let receiver = spawn_on(kernel, &alloc::format!("receiver{pair}"), cpus[1], move || {
        let k = Board::kernel();
        let mut buffer = [0u8; 24];
        for number in 0..count {
            if tally.out_of_time(start) {
                return 1;
            }
            let Ok(length) = k.port_receive(port, &mut buffer, Timeout::Forever) else { return 1 };
            let word = |i: usize| u64::from_le_bytes(buffer[i * 8..i * 8 + 8].try_into().unwrap_or_default());
            let cpu = word(1);
            let good = length == 24 && buffer == message(pair, number, cpu);
            tally.arrived(good, cpu != this_cpu());
        }
        0
    })?;
    Some([sender, receiver])
}

/// Two threads (on the CPUs of `cpus[0]` and `cpus[1]`) handing `count` values back and forth
/// through a shared word and two auto-reset events: odd values one way, even ones back, each
/// checked on arrival.
fn event_pair(kernel: &BoardKernel, pair: u64, cpus: [u32; 2], count: u64, start: u64, tally: &Arc<Tally>) -> Option<[wells_core::Handle; 2]> {
    let (there, back) = (kernel.event_create(true, false).ok()?, kernel.event_create(true, false).ok()?);
    // The value in flight and the CPU that set it.
    let word = Arc::new(AtomicU64::new(0));
    let setter = Arc::new(AtomicU64::new(0));
    let rounds = count / 2;
    let (w, s, t) = (word.clone(), setter.clone(), tally.clone());
    let serve = spawn_on(kernel, &alloc::format!("serve{pair}"), cpus[0], move || {
        let k = Board::kernel();
        for round in 0..rounds {
            w.store(2 * round + 1, Ordering::Relaxed);
            s.store(this_cpu(), Ordering::Release);
            if t.out_of_time(start) || k.event_set(there).is_err() || k.event_wait(back, Timeout::Forever).is_err() {
                return 1;
            }
            t.arrived(w.load(Ordering::Acquire) == 2 * round + 2, s.load(Ordering::Relaxed) != this_cpu());
        }
        0
    })?;
    let tally = tally.clone();
    let answer = spawn_on(kernel, &alloc::format!("answer{pair}"), cpus[1], move || {
        let k = Board::kernel();
        for round in 0..rounds {
            if tally.out_of_time(start) || k.event_wait(there, Timeout::Forever).is_err() {
                return 1;
            }
            let value = word.load(Ordering::Acquire);
            tally.arrived(value == 2 * round + 1, setter.load(Ordering::Relaxed) != this_cpu());
            word.store(value + 1, Ordering::Relaxed);
            setter.store(this_cpu(), Ordering::Release);
            if k.event_set(back).is_err() {
                return 1;
            }
        }
        0
    })?;
    Some([serve, answer])
}
