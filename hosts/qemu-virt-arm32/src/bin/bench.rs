//! The Cortex-A15 (arm32) benchmark image, the arm64 one with the 32-bit counter widened. Booted
//! under `-icount shift=0,align=off,sleep=off`, QEMU advances the PMU cycle counter (PMCCNTR)
//! exactly once per instruction, so every figure here is an
//! instruction count that repeats run after run.
//!
//! Each figure is the median of `REPS` repetitions of a loop of N operations, divided by N
//! (printed with one decimal). Every loop checks what it did (strict alternation, replies
//! matching requests); a failed check makes its row say why and the image exit with status 1.
//! Prints one Markdown table between `--- bench table ---` and `--- end ---`.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{compiler_fence, AtomicBool, AtomicU64, Ordering};
use wells_core::arch::arm::Armv7a;
use wells_core::arch::arm::{cycle_counter_start, cycles};
use wells_core::{Arch, Timeout};
use wells_qemu_virt_arm32::{kernel, println, Board};

/// Measured repetitions per figure (one more runs first, unmeasured, to warm up).
const REPS: u64 = 7;
/// Priority of the threads measured (the timer bench uses two others).
const PRIORITY: u8 = 10;
const MS: u64 = 1_000_000;

/// The last 64-bit counter value `now` returned.
static WIDE: AtomicU64 = AtomicU64::new(0);

/// The instruction counter widened to 64 bits (PMCCNTR has 32 on ARMv7: it wraps every 2^32
/// instructions, far longer than between two readings here), kept in program order with the
/// code around it.
fn now() -> u64 {
    compiler_fence(Ordering::SeqCst);
    let were_enabled = Armv7a.irq_save();
    let last = WIDE.load(Ordering::Relaxed);
    let count = last + (cycles().wrapping_sub(last as u32)) as u64;
    WIDE.store(count, Ordering::Relaxed);
    Armv7a.irq_restore(were_enabled);
    compiler_fence(Ordering::SeqCst);
    count
}

/// What a benchmark's measuring thread hands back: tenths of an instruction per operation for
/// each measured repetition, or why a check failed.
#[derive(Default)]
struct Samples {
    runs: Vec<u64>,
    error: Option<String>,
}

type Shared = Arc<spin::Mutex<Samples>>;

impl Samples {
    /// Records one repetition of `ops` operations that took `elapsed` instructions.
    fn record(shared: &Shared, elapsed: u64, ops: u64) {
        shared.lock().runs.push(elapsed * 10 / ops);
    }

    fn fail(shared: &Shared, why: String) -> i32 {
        shared.lock().error.get_or_insert(why);
        1
    }
}

fn spawn(name: &str, priority: u8, stack: usize, f: impl FnMut() -> i32 + Send + 'static) -> Result<(), String> {
    let thread = kernel().thread_create(name, priority, stack, Box::new(f)).map_err(|e| format!("create {name}: {e}"))?;
    kernel().thread_start(thread).map_err(|e| format!("start {name}: {e}"))
}

/// Runs the kernel `board` made until its threads are done; returns the repetitions recorded.
fn finish(k: &wells_core::Kernel<Armv7a>, shared: Shared) -> Result<Vec<u64>, String> {
    k.run().map_err(|e| format!("run: {e}"))?;
    let samples = core::mem::take(&mut *shared.lock());
    match samples.error {
        Some(why) => Err(why),
        None if samples.runs.len() as u64 != REPS => Err(format!("{} repetitions recorded", samples.runs.len())),
        None => Ok(samples.runs),
    }
}

/// `n` threads of one priority, each bumping a shared count and yielding, round and round.
/// Thread 0 measures `laps` laps (n switches each) and checks every other thread ran exactly
/// once between two of its turns. The figure includes each thread's few instructions of loop.
fn yield_ring(board: &Board, n: u64, laps: u64) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let shared = Shared::default();
    let count = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (c, s, out) = (count.clone(), stop.clone(), shared.clone());
    spawn("ring-0", PRIORITY, Armv7a::MIN_STACK, move || {
        for rep in 0..=REPS {
            let start = now();
            for _ in 0..laps {
                let mine = c.load(Ordering::Relaxed) + 1;
                c.store(mine, Ordering::Relaxed);
                if let Err(e) = kernel().yield_now() {
                    s.store(true, Ordering::Relaxed);
                    return Samples::fail(&out, format!("yield: {e}"));
                }
                let seen = c.load(Ordering::Relaxed);
                if seen != mine + n - 1 {
                    s.store(true, Ordering::Relaxed);
                    return Samples::fail(&out, format!("{} others ran between two turns, not {}", seen - mine, n - 1));
                }
            }
            let elapsed = now() - start;
            if rep > 0 {
                Samples::record(&out, elapsed, laps * n);
            }
        }
        s.store(true, Ordering::Relaxed);
        0
    })?;
    for _ in 1..n {
        let (c, s) = (count.clone(), stop.clone());
        spawn("ring", PRIORITY, Armv7a::MIN_STACK, move || {
            while !s.load(Ordering::Relaxed) {
                c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                let _ = kernel().yield_now();
            }
            0
        })?;
    }
    finish(&k, shared)
}

/// Two threads of one priority waking each other through two semaphores; two wake + switch
/// per round.
fn semaphore_ping_pong(board: &Board, rounds: u64) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let ping = k.semaphore_create(0, 1).map_err(|e| format!("semaphore: {e}"))?;
    let pong = k.semaphore_create(0, 1).map_err(|e| format!("semaphore: {e}"))?;
    let shared = Shared::default();
    let answered = Arc::new(AtomicU64::new(0));
    let (a, out) = (answered.clone(), shared.clone());
    spawn("ping", PRIORITY, 0, move || {
        let mut done = 0;
        for rep in 0..=REPS {
            let start = now();
            for _ in 0..rounds {
                if let Err(e) = kernel().semaphore_post(ping).and_then(|()| kernel().semaphore_wait(pong, Timeout::Forever)) {
                    return Samples::fail(&out, format!("ping: {e}"));
                }
            }
            let elapsed = now() - start;
            done += rounds;
            let seen = a.load(Ordering::Relaxed);
            if seen != done {
                return Samples::fail(&out, format!("pong answered {seen} times, not {done}"));
            }
            if rep > 0 {
                Samples::record(&out, elapsed, 2 * rounds);
            }
        }
        0
    })?;
    let out = shared.clone();
    spawn("pong", PRIORITY, 0, move || {
        for _ in 0..(REPS + 1) * rounds {
            if let Err(e) = kernel().semaphore_wait(ping, Timeout::Forever) {
                return Samples::fail(&out, format!("pong: {e}"));
            }
            answered.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = kernel().semaphore_post(pong) {
                return Samples::fail(&out, format!("pong: {e}"));
            }
        }
        0
    })?;
    finish(&k, shared)
}

/// A client sends a 16-byte request on one port and waits for the reply on another; a server
/// of the same priority answers. One figure per round trip.
fn port_round_trip(board: &Board, calls: u64) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let requests = k.port_create(16, 1).map_err(|e| format!("port: {e}"))?;
    let replies = k.port_create(16, 1).map_err(|e| format!("port: {e}"))?;
    let shared = Shared::default();
    let out = shared.clone();
    spawn("client", PRIORITY, 0, move || {
        let (mut message, mut reply) = ([0u8; 16], [0u8; 16]);
        let mut seq = 0u64;
        for rep in 0..=REPS {
            let start = now();
            for _ in 0..calls {
                seq += 1;
                message[..8].copy_from_slice(&seq.to_le_bytes());
                message[8..].copy_from_slice(&(!seq).to_le_bytes());
                let call = kernel()
                    .port_send(requests, &message, Timeout::Forever)
                    .and_then(|()| kernel().port_receive(replies, &mut reply, Timeout::Forever));
                if let Err(e) = call {
                    return Samples::fail(&out, format!("client: {e}"));
                }
                let (first, second) = reply.split_at(8);
                if first != (seq + 1).to_le_bytes() || second != (!seq).to_le_bytes() {
                    return Samples::fail(&out, format!("reply to request {seq} does not match it"));
                }
            }
            let elapsed = now() - start;
            if rep > 0 {
                Samples::record(&out, elapsed, calls);
            }
        }
        0
    })?;
    let out = shared.clone();
    spawn("server", PRIORITY, 0, move || {
        let mut message = [0u8; 16];
        for _ in 0..(REPS + 1) * calls {
            if let Err(e) = kernel().port_receive(requests, &mut message, Timeout::Forever) {
                return Samples::fail(&out, format!("server: {e}"));
            }
            let seq = u64::from_le_bytes(message[..8].try_into().unwrap_or_default());
            message[..8].copy_from_slice(&(seq + 1).to_le_bytes());
            if let Err(e) = kernel().port_send(replies, &message, Timeout::Forever) {
                return Samples::fail(&out, format!("server: {e}"));
            }
        }
        0
    })?;
    finish(&k, shared)
}

/// The instruction count the spinner last read.
static LAST_SEEN: AtomicU64 = AtomicU64::new(0);

/// Timer interrupt to the woken thread running.
///
/// A high-priority thread sleeps until an absolute deadline (each 1 ms after the last) while a
/// low-priority thread spins storing the instruction counter into `LAST_SEEN`. The timer
/// interrupt for the deadline lands in the spinner's loop: exception entry, GIC acknowledge,
/// the kernel's tick (expire the sleep, wake, schedule), the switch, and the rest of the sleep
/// call's way back out; the first thing the woken thread does after `sleep_ns` returns is read
/// the counter. The figure is that reading minus the spinner's last stored value. The spinner
/// loop is a handful of instructions (load the stop flag, branch, isb, mrs, store, branch), so
/// the figure holds up to those few instructions of the spinner besides the latency; under
/// -icount the interrupt always lands at the same place, so the figure still repeats exactly.
/// One operation per repetition: this is a latency, not a loop.
fn timer_irq_to_thread(board: &Board) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let shared = Shared::default();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    spawn("spinner", PRIORITY - 1, 0, move || {
        while !s.load(Ordering::Relaxed) {
            LAST_SEEN.store(cycles() as u64, Ordering::Relaxed);
        }
        0
    })?;
    let out = shared.clone();
    spawn("sleeper", PRIORITY + 10, 0, move || {
        let first = kernel().now_ns();
        for rep in 0..=REPS {
            let deadline = first + (rep + 1) * MS;
            LAST_SEEN.store(0, Ordering::Relaxed);
            let now_ns = kernel().now_ns();
            if now_ns >= deadline {
                stop.store(true, Ordering::Relaxed);
                return Samples::fail(&out, format!("deadline {deadline} ns already passed at {now_ns} ns"));
            }
            if let Err(e) = kernel().sleep_ns(deadline - now_ns) {
                stop.store(true, Ordering::Relaxed);
                return Samples::fail(&out, format!("sleep: {e}"));
            }
            let woke = cycles();
            let last = LAST_SEEN.load(Ordering::Relaxed);
            if last == 0 {
                stop.store(true, Ordering::Relaxed);
                return Samples::fail(&out, "the spinner did not run during the sleep".into());
            }
            if rep > 0 {
                Samples::record(&out, woke.wrapping_sub(last as u32) as u64, 1);
            }
        }
        stop.store(true, Ordering::Relaxed);
        0
    })?;
    finish(&k, shared)
}

fn median(runs: &[u64]) -> u64 {
    let mut sorted = runs.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

fn tenths(value: u64) -> String {
    format!("{}.{}", value / 10, value % 10)
}

/// Runs user benchmark tasks (given their ports) and takes the figure the first one sends on
/// port "results": the median of its own repetitions, in instructions.
fn user_bench(board: &Board, tasks: &[(&str, &[u8])], ports: &[&str]) -> Result<Vec<u64>, String> {
    use wells_qemu_virt_arm32::tasks::{spawn as spawn_task, TaskSpec};
    let k = board.new_kernel();
    let results = k.port_create(8, 4).map_err(|e| format!("port: {e}"))?;
    let mut grants = alloc::vec![("results", results)];
    for &name in ports {
        grants.push((name, k.port_create(16, 4).map_err(|e| format!("port: {e}"))?));
    }
    for &(name, elf) in tasks {
        spawn_task(&k, &TaskSpec { name, elf, priority: PRIORITY, arg: 0, ports: &grants })?;
    }
    let figure = Arc::new(AtomicU64::new(0));
    let f = figure.clone();
    spawn("collector", PRIORITY - 1, 0, move || {
        let mut value = [0u8; 8];
        match kernel().port_receive(results, &mut value, Timeout::Forever) {
            Ok(_) => {
                f.store(u64::from_le_bytes(value), Ordering::SeqCst);
                0
            }
            Err(_) => 1,
        }
    })?;
    k.run().map_err(|e| format!("run: {e}"))?;
    match figure.load(Ordering::SeqCst) {
        0 => Err(String::from("the user task sent no figure")),
        value => Ok(alloc::vec![value * 10]),
    }
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    cycle_counter_start();
    let mut rows: Vec<(String, Result<Vec<u64>, String>)> = Vec::new();
    let mut measure = |name: String, result: Result<Vec<u64>, String>| {
        match &result {
            Ok(runs) => println!("bench: {name}: {} instructions", tenths(median(runs))),
            Err(why) => println!("bench: {name}: FAILED: {why}"),
        }
        rows.push((name, result));
    };
    measure("kernel thread switch (2 threads, yield)".into(), yield_ring(board, 2, 5000));
    measure("semaphore wake + switch (ping-pong, per wake)".into(), semaphore_ping_pong(board, 2500));
    measure("port round trip (16-byte request + reply, kernel threads)".into(), port_round_trip(board, 2000));
    measure("timer IRQ to woken thread running".into(), timer_irq_to_thread(board));
    for (n, laps) in [(8, 1250), (64, 160), (512, 20), (4096, 3)] {
        measure(format!("switch with {n} ready threads (yield, per switch)"), yield_ring(board, n, laps));
    }
    {
        use wells_qemu_virt_arm32::apps::a32;
        measure("null system call, USR -> SVC -> USR (user task)".into(), user_bench(board, &[("bench-syscall", a32::BENCH_SYSCALL)], &[]));
        measure(
            "IPC call/reply between two user tasks (16-byte port messages)".into(),
            user_bench(
                board,
                &[("bench-ipc-client", a32::BENCH_IPC_CLIENT), ("bench-ipc-server", a32::BENCH_IPC_SERVER)],
                &["requests", "replies"],
            ),
        );
    }

    let failed = rows.iter().filter(|(_, r)| r.is_err()).count();
    println!("--- bench table ---");
    println!("| measurement | instructions |");
    println!("|---|---:|");
    for (name, result) in &rows {
        match result {
            Ok(runs) => println!("| {name} | {} |", tenths(median(runs))),
            Err(why) => println!("| {name} | FAILED: {why} |"),
        }
    }
    println!();
    println!("All runs (instructions per operation, in the order measured):");
    println!();
    for (name, result) in &rows {
        if let Ok(runs) = result {
            let runs: Vec<String> = runs.iter().map(|&r| tenths(r)).collect();
            println!("- {name}: {}", runs.join(" "));
        }
    }
    println!("--- end ---");
    if failed > 0 {
        println!("bench: {failed} measurement(s) failed");
        1
    } else {
        0
    }
}
