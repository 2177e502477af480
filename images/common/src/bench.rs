//! The benchmarks of the MMU boards. Booted under `-icount shift=0,align=off,sleep=off`, QEMU
//! advances the PMU cycle counter exactly once per instruction, so every figure here is an
//! instruction count that repeats run after run.
//!
//! Each figure is the median of `REPS` repetitions of a loop of N operations, divided by N
//! (printed with one decimal). Every loop checks what it did (strict alternation, replies
//! matching requests); a failed check makes its row say why and the image exit with status 1.
//! Prints one Markdown table between `--- bench table ---` and `--- end ---`.

use crate::atomic64::AtomicU64;
use crate::profile;
use crate::supervisor::{Program, TaskPlatform, TaskSpec};
use crate::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{compiler_fence, AtomicBool, AtomicUsize, Ordering};
use wells_core::arch::InstructionCounter;
use wells_core::{Arch, Kernel, Timeout};

/// A board the benchmarks run on.
pub trait Counter: TaskPlatform {
    /// What counts instructions on it under `-icount`: its CPU's counter
    /// (`wells_core::arch::<cpu>::counter`), or the board's clock where QEMU's model of the CPU
    /// has none.
    type Instructions: InstructionCounter;
}

/// The user programs measured, and how the board names a system call's round trip.
pub struct UserBench<P> {
    /// E.g. "EL0 -> EL1 -> EL0".
    pub round_trip: &'static str,
    /// Makes the null system call in a loop and sends its figure on port "results".
    pub syscall: P,
    /// Call/reply over ports "requests" and "replies"; the client sends the figure.
    pub ipc_client: P,
    pub ipc_server: P,
}

/// Measured repetitions per figure (one more runs first, unmeasured, to warm up). The profile
/// build (`cargo xtask profile`, where QEMU logs every instruction) measures one.
const REPS: u64 = if cfg!(feature = "profile") { 1 } else { 7 };
/// The IPC bench programs' argument flag: use `port_call` / `port_reply_wait`.
const IPC_FAST_PATH: usize = 1 << 30;
/// Runs of a user benchmark program (`user/apps/src/bin/bench-*.rs`), each one profile window.
const USER_RUNS: u64 = 5;
/// Priority of the threads measured (the timer bench uses two others).
const PRIORITY: u8 = 10;
const MS: u64 = 1_000_000;
/// Kernel heap a ready thread of `yield_ring` takes besides its stack (thread record, boxed
/// closure, allocator headers), rounded up: enough to tell beforehand whether N threads fit.
const THREAD_HEAP: usize = 1024;

/// What a row of the table holds.
pub(crate) enum Outcome {
    /// The measured repetitions.
    Runs(Vec<u64>),
    /// Not measured on this board, and why (e.g. the threads do not fit its RAM).
    NotApplicable(String),
    /// A check failed, and why.
    Failed(String),
}

impl From<Result<Vec<u64>, String>> for Outcome {
    fn from(result: Result<Vec<u64>, String>) -> Outcome {
        result.map_or_else(Outcome::Failed, Outcome::Runs)
    }
}

/// The instruction counter, kept in program order with the code around it.
fn now<P: Counter>() -> u64 {
    compiler_fence(Ordering::SeqCst);
    let count = P::Instructions::read();
    compiler_fence(Ordering::SeqCst);
    count
}

/// Operations per loop: `n`, or a fiftieth of it in the profile build.
const fn ops(n: u64) -> u64 {
    if cfg!(feature = "profile") && n >= 50 {
        n / 50
    } else {
        n
    }
}

/// Starts a timed loop: the counter, after a profile mark when the repetition is `measured`.
fn open<P: Counter>(measured: bool) -> u64 {
    if measured {
        profile::mark();
    }
    now::<P>()
}

/// Ends a timed loop started by [`open`]: the counter, then a profile mark when `measured`.
fn close<P: Counter>(measured: bool) -> u64 {
    let count = now::<P>();
    if measured {
        profile::mark();
    }
    count
}

/// The raw instruction counter, kept in program order with the code around it.
fn now_raw<P: Counter>() -> u64 {
    compiler_fence(Ordering::SeqCst);
    let count = P::Instructions::raw();
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

fn spawn<P: Platform>(name: &str, priority: u8, stack: usize, f: impl FnMut() -> i32 + Send + 'static) -> Result<(), String> {
    let thread = P::kernel().thread_create(name, priority, stack, Box::new(f)).map_err(|e| format!("create {name}: {e}"))?;
    P::kernel().thread_start(thread).map_err(|e| format!("start {name}: {e}"))
}

/// Runs the kernel `board` made until its threads are done; returns the repetitions recorded.
fn finish<A: Arch>(k: &Kernel<A>, shared: Shared) -> Result<Vec<u64>, String> {
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
fn yield_ring<P: Counter>(board: &P, n: u64, laps: u64) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let shared = Shared::default();
    // Word-sized counters: a 64-bit atomic is emulated on 32-bit CPUs without one (the
    // Cortex-M3: about 30 instructions a turn that are not the kernel's); turns wrap.
    let count = Arc::new(AtomicUsize::new(0));
    let others = n as usize - 1;
    let stop = Arc::new(AtomicBool::new(false));
    let (c, s, out) = (count.clone(), stop.clone(), shared.clone());
    spawn::<P>("ring-0", PRIORITY, P::Arch::MIN_STACK, move || {
        for rep in 0..=REPS {
            let start = open::<P>(rep > 0);
            for _ in 0..laps {
                let mine = c.load(Ordering::Relaxed).wrapping_add(1);
                c.store(mine, Ordering::Relaxed);
                if let Err(e) = P::kernel().yield_now() {
                    s.store(true, Ordering::Relaxed);
                    return Samples::fail(&out, format!("yield: {e}"));
                }
                let seen = c.load(Ordering::Relaxed);
                if seen != mine.wrapping_add(others) {
                    s.store(true, Ordering::Relaxed);
                    return Samples::fail(&out, format!("{} others ran between two turns, not {}", seen.wrapping_sub(mine), n - 1));
                }
            }
            let elapsed = close::<P>(rep > 0) - start;
            if rep > 0 {
                Samples::record(&out, elapsed, laps * n);
            }
        }
        s.store(true, Ordering::Relaxed);
        0
    })?;
    for _ in 1..n {
        let (c, s) = (count.clone(), stop.clone());
        spawn::<P>("ring", PRIORITY, P::Arch::MIN_STACK, move || {
            while !s.load(Ordering::Relaxed) {
                c.store(c.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
                let _ = P::kernel().yield_now();
            }
            0
        })?;
    }
    finish(&k, shared)
}

/// Where the measuring context and its partner of [`bare_switch`] keep their stack pointers.
static BARE_MAIN_SP: AtomicUsize = AtomicUsize::new(0);
static BARE_PARTNER_SP: AtomicUsize = AtomicUsize::new(0);

/// The partner of [`bare_switch`]: switches straight back, for ever (it is abandoned after).
extern "C" fn bare_partner<P: Counter>(_arg: usize, _token: usize) -> ! {
    loop {
        // SAFETY: interrupts are masked (by `bare_switch`, which runs this); the slot is a
        // static, and the measuring context saved its stack pointer there by switching here.
        unsafe { P::cpu().switch(BARE_PARTNER_SP.as_ptr(), BARE_MAIN_SP.load(Ordering::Relaxed), 0) };
    }
}

/// The floor every switch figure is read against: the CPU port's own context switch
/// (`Arch::switch`: the callee-saved registers and the stack pointer) between two contexts,
/// with no kernel around it; per switch, including a loop of a few instructions per two.
fn bare_switch<P: Counter>(pairs: u64) -> Result<Vec<u64>, String> {
    let mut stack = alloc::vec![0u8; P::Arch::MIN_STACK.max(4096)];
    let cpu = P::cpu();
    BARE_PARTNER_SP.store(cpu.init_stack(&mut stack, bare_partner::<P>, 0), Ordering::Relaxed);
    let were_enabled = cpu.irq_save();
    let mut runs = Vec::new();
    for rep in 0..=REPS {
        let start = open::<P>(rep > 0);
        for _ in 0..pairs {
            // SAFETY: interrupts are masked; the partner's stack pointer came from
            // `init_stack` or from its own last switch, on `stack`, alive until this returns.
            unsafe { cpu.switch(BARE_MAIN_SP.as_ptr(), BARE_PARTNER_SP.load(Ordering::Relaxed), 0) };
        }
        let elapsed = close::<P>(rep > 0) - start;
        if rep > 0 {
            runs.push(elapsed * 10 / (2 * pairs));
        }
    }
    cpu.irq_restore(were_enabled);
    // The partner is parked in its switch and never resumed: its stack may go.
    drop(stack);
    Ok(runs)
}

/// Two threads of one priority waking each other through two semaphores; two wake + switch
/// per round.
fn semaphore_ping_pong<P: Counter>(board: &P, rounds: u64, set: Option<&[u8]>) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    if let Some(set) = set {
        k.policy_load(set).map_err(|e| format!("decision set: {e}"))?;
    }
    let ping = k.semaphore_create(0, 1).map_err(|e| format!("semaphore: {e}"))?;
    let pong = k.semaphore_create(0, 1).map_err(|e| format!("semaphore: {e}"))?;
    let shared = Shared::default();
    // Word-sized, as in `yield_ring`; the rounds of one run fit.
    let answered = Arc::new(AtomicUsize::new(0));
    let (a, out) = (answered.clone(), shared.clone());
    spawn::<P>("ping", PRIORITY, 0, move || {
        let mut done = 0;
        for rep in 0..=REPS {
            let start = open::<P>(rep > 0);
            for _ in 0..rounds {
                if let Err(e) = P::kernel().semaphore_post(ping).and_then(|()| P::kernel().semaphore_wait(pong, Timeout::Forever)) {
                    return Samples::fail(&out, format!("ping: {e}"));
                }
            }
            let elapsed = close::<P>(rep > 0) - start;
            done += rounds;
            let seen = a.load(Ordering::Relaxed) as u64;
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
    spawn::<P>("pong", PRIORITY, 0, move || {
        for _ in 0..(REPS + 1) * rounds {
            if let Err(e) = P::kernel().semaphore_wait(ping, Timeout::Forever) {
                return Samples::fail(&out, format!("pong: {e}"));
            }
            answered.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = P::kernel().semaphore_post(pong) {
                return Samples::fail(&out, format!("pong: {e}"));
            }
        }
        0
    })?;
    finish(&k, shared)
}

/// A decision set of eight rules that match no thread of the benchmarks (their classes are
/// best effort; every rule asks for hard real time), so placing a thread scans them all.
fn eight_rules_none_matching() -> Vec<u8> {
    use wells_core::sched::decision::{Action, DecisionSet, Rule};
    let rule = Rule { classes: 0b001, priority_min: 0, priority_max: 31, slack: 0, transaction: 0, conflicts_min: 0, waited: 0, cpu_share: 0, action: Action::Priority(20) };
    DecisionSet { rules: alloc::vec![rule; 8] }.encode()
}

/// One thread running whole transactions on `objects` shared objects: create, join, write
/// each, vote (commit or abort), destroy. One figure per transaction.
fn transaction_cycle<P: Counter>(board: &P, objects: usize, commit: bool, rounds: u64) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let mut shared_objects = Vec::new();
    for _ in 0..objects {
        shared_objects.push(k.shared_create(8).map_err(|e| format!("shared: {e}"))?);
    }
    let shared = Shared::default();
    let out = shared.clone();
    spawn::<P>("txn", PRIORITY, 0, move || {
        let k = P::kernel();
        for rep in 0..=REPS {
            let start = open::<P>(rep > 0);
            for round in 0..rounds {
                let outcome = k.txn_create(Timeout::Forever).and_then(|txn| {
                    k.txn_join(txn)?;
                    for &object in &shared_objects {
                        k.txn_write(txn, object, &round.to_le_bytes())?;
                    }
                    let vote = k.txn_vote(txn, commit, Timeout::NoWait);
                    k.txn_destroy(txn)?;
                    vote
                });
                match (outcome, commit) {
                    (Ok(()), true) | (Err(wells_core::Error::Aborted), false) => {}
                    (other, _) => return Samples::fail(&out, format!("transaction: {other:?}")),
                }
            }
            let elapsed = close::<P>(rep > 0) - start;
            if rep > 0 {
                Samples::record(&out, elapsed, rounds);
            }
        }
        0
    })?;
    finish(&k, shared)
}

/// A client sends a 16-byte request on one port and waits for the reply on another; a server
/// of the same priority answers. One figure per round trip.
fn port_round_trip<P: Counter>(board: &P, calls: u64) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let requests = k.port_create(16, 1).map_err(|e| format!("port: {e}"))?;
    let replies = k.port_create(16, 1).map_err(|e| format!("port: {e}"))?;
    let shared = Shared::default();
    let out = shared.clone();
    spawn::<P>("client", PRIORITY, 0, move || {
        let (mut message, mut reply) = ([0u8; 16], [0u8; 16]);
        let mut seq = 0u64;
        for rep in 0..=REPS {
            let start = open::<P>(rep > 0);
            for _ in 0..calls {
                seq += 1;
                message[..8].copy_from_slice(&seq.to_le_bytes());
                message[8..].copy_from_slice(&(!seq).to_le_bytes());
                let call = P::kernel()
                    .port_send(requests, &message, Timeout::Forever)
                    .and_then(|()| P::kernel().port_receive(replies, &mut reply, Timeout::Forever));
                if let Err(e) = call {
                    return Samples::fail(&out, format!("client: {e}"));
                }
                let (first, second) = reply.split_at(8);
                if first != (seq + 1).to_le_bytes() || second != (!seq).to_le_bytes() {
                    return Samples::fail(&out, format!("reply to request {seq} does not match it"));
                }
            }
            let elapsed = close::<P>(rep > 0) - start;
            if rep > 0 {
                Samples::record(&out, elapsed, calls);
            }
        }
        0
    })?;
    let out = shared.clone();
    spawn::<P>("server", PRIORITY, 0, move || {
        let mut message = [0u8; 16];
        for _ in 0..(REPS + 1) * calls {
            if let Err(e) = P::kernel().port_receive(requests, &mut message, Timeout::Forever) {
                return Samples::fail(&out, format!("server: {e}"));
            }
            let seq = u64::from_le_bytes(message[..8].try_into().unwrap_or_default());
            message[..8].copy_from_slice(&(seq + 1).to_le_bytes());
            if let Err(e) = P::kernel().port_send(replies, &message, Timeout::Forever) {
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
fn timer_irq_to_thread<P: Counter>(board: &P) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let shared = Shared::default();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    spawn::<P>("spinner", PRIORITY - 1, 0, move || {
        while !s.load(Ordering::Relaxed) {
            LAST_SEEN.store(P::Instructions::raw(), Ordering::Relaxed);
        }
        0
    })?;
    let out = shared.clone();
    spawn::<P>("sleeper", PRIORITY + 10, 0, move || {
        let first = P::kernel().now_ns();
        for rep in 0..=REPS {
            let deadline = first + (rep + 1) * MS;
            LAST_SEEN.store(0, Ordering::Relaxed);
            let now_ns = P::kernel().now_ns();
            if now_ns >= deadline {
                stop.store(true, Ordering::Relaxed);
                return Samples::fail(&out, format!("deadline {deadline} ns already passed at {now_ns} ns"));
            }
            if let Err(e) = P::kernel().sleep_ns(deadline - now_ns) {
                stop.store(true, Ordering::Relaxed);
                return Samples::fail(&out, format!("sleep: {e}"));
            }
            let woke = now_raw::<P>();
            let last = LAST_SEEN.load(Ordering::Relaxed);
            if last == 0 {
                stop.store(true, Ordering::Relaxed);
                return Samples::fail(&out, "the spinner did not run during the sleep".into());
            }
            if rep > 0 {
                Samples::record(&out, P::Instructions::between(last, woke), 1);
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
/// port "results": the median of its own [`USER_RUNS`] runs of `ops` operations (the tasks'
/// argument), in instructions.
fn user_bench<P: Counter>(board: &P, tasks: &[(&str, Program<P>)], ports: &[&str], ops: u64, flags: usize) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let results = k.port_create(8, 4).map_err(|e| format!("port: {e}"))?;
    let mut grants = alloc::vec![("results", results)];
    for &name in ports {
        grants.push((name, k.port_create(16, 4).map_err(|e| format!("port: {e}"))?));
    }
    for &(name, program) in tasks {
        crate::supervisor::spawn::<P>(&k, &TaskSpec { name, program, priority: PRIORITY, arg: ops as usize | flags, grants: &grants, scheduling_advisor: false })?;
    }
    let figure = Arc::new(AtomicU64::new(0));
    let f = figure.clone();
    spawn::<P>("collector", PRIORITY - 1, 0, move || {
        let mut value = [0u8; 8];
        match P::kernel().port_receive(results, &mut value, Timeout::Forever) {
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

/// Runs every measurement on `board` and prints the table; returns 1 when one failed.
pub fn run<P: Counter>(board: &P, user: &UserBench<Program<P>>) -> i32 {
    P::Instructions::start();
    let mut rows: Vec<(String, Outcome)> = Vec::new();
    let mut measure = |name: String, outcome: Outcome| {
        report::<P>(&name, &outcome);
        rows.push((name, outcome));
    };
    let name = String::from("physical limit: the CPU port's context switch alone (2 contexts, no kernel)");
    profile::row::<P>(&name, REPS, ops(5000) * 2, "");
    measure(name, bare_switch::<P>(ops(5000)).into());
    let name = String::from("kernel thread switch (2 threads, yield)");
    profile::row::<P>(&name, REPS, ops(5000) * 2, "");
    measure(name, yield_ring(board, 2, ops(5000)).into());
    let name = String::from("semaphore wake + switch (ping-pong, per wake)");
    profile::row::<P>(&name, REPS, ops(2500) * 2, "");
    measure(name, semaphore_ping_pong(board, ops(2500), None).into());
    let set = eight_rules_none_matching();
    let name = String::from("semaphore wake + switch with an 8-rule decision set (no rule matches: full scan, classic fallback)");
    profile::row::<P>(&name, REPS, ops(2500) * 2, "");
    measure(name, semaphore_ping_pong(board, ops(2500), Some(&set)).into());
    for (objects, commit) in [(1, true), (8, true), (1, false)] {
        let what = if commit { "commit" } else { "abort" };
        let name = format!("transaction {what}, {objects} object(s): create, join, write, vote, destroy");
        profile::row::<P>(&name, REPS, ops(500), "");
        measure(name, transaction_cycle(board, objects, commit, ops(500)).into());
    }
    let name = String::from("port round trip (16-byte request + reply, kernel threads)");
    profile::row::<P>(&name, REPS, ops(2000), "");
    measure(name, port_round_trip(board, ops(2000)).into());
    measure("timer IRQ to woken thread running".into(), timer_irq_to_thread(board).into());
    for (n, laps) in [(8, 1250), (64, 160), (512, 20), (4096, 3)] {
        let name = format!("switch with {n} ready threads (yield, per switch)");
        if cfg!(feature = "profile") && n > 64 {
            measure(name, Outcome::NotApplicable("profile build: the same path as with 64 threads".into()));
            continue;
        }
        // Checked beforehand: a kernel heap that runs out part way may fail an allocation the
        // kernel cannot refuse gracefully (the thread record), which would stop the image.
        let need = n as usize * (P::Arch::MIN_STACK + THREAD_HEAP);
        let free = board.heap_stats().free;
        if free < need {
            let why = format!("RAM: {n} threads need about {} KiB of kernel heap, {} KiB free", need / 1024, free / 1024);
            measure(name, Outcome::NotApplicable(why));
            continue;
        }
        let laps = if cfg!(feature = "profile") { 2 } else { laps };
        profile::row::<P>(&name, REPS, laps * n, "");
        measure(name, yield_ring(board, n, laps).into());
    }
    let name = format!("null system call, {} (user task)", user.round_trip);
    profile::row::<P>(&name, USER_RUNS, ops(1000), "bench-syscall");
    measure(name, user_bench(board, &[("bench-syscall", user.syscall)], &[], ops(1000), 0).into());
    let name = String::from("IPC call/reply between two user tasks (16-byte port messages)");
    profile::row::<P>(&name, USER_RUNS, ops(500), "bench-ipc-client bench-ipc-server");
    let ipc = [("bench-ipc-client", user.ipc_client), ("bench-ipc-server", user.ipc_server)];
    measure(name, user_bench(board, &ipc, &["requests", "replies"], ops(500), 0).into());
    let name = String::from("IPC fast path: port_call / port_reply_wait between two user tasks (16-byte messages)");
    profile::row::<P>(&name, USER_RUNS, ops(500), "bench-ipc-client bench-ipc-server");
    measure(name, user_bench(board, &ipc, &["requests", "replies"], ops(500), IPC_FAST_PATH).into());

    print_table::<P>(&rows)
}

/// Prints a measurement as it is taken.
pub(crate) fn report<P: Platform>(name: &str, outcome: &Outcome) {
    match outcome {
        Outcome::Runs(runs) => crate::println!(P, "bench: {name}: {} instructions", tenths(median(runs))),
        Outcome::NotApplicable(why) => crate::println!(P, "bench: {name}: not measured: {why}"),
        Outcome::Failed(why) => crate::println!(P, "bench: {name}: FAILED: {why}"),
    }
}

/// Prints the table and every repetition between the markers `cargo xtask bench` looks for;
/// returns 1 when a measurement failed.
pub(crate) fn print_table<P: Platform>(rows: &[(String, Outcome)]) -> i32 {
    let failed = rows.iter().filter(|(_, r)| matches!(r, Outcome::Failed(_))).count();
    crate::println!(P, "--- bench table ---");
    crate::println!(P, "| measurement | instructions |");
    crate::println!(P, "|---|---:|");
    for (name, outcome) in rows {
        match outcome {
            Outcome::Runs(runs) => crate::println!(P, "| {name} | {} |", tenths(median(runs))),
            Outcome::NotApplicable(why) => crate::println!(P, "| {name} | n/a ({}) |", why.split(':').next().unwrap_or(why)),
            Outcome::Failed(why) => crate::println!(P, "| {name} | FAILED: {why} |"),
        }
    }
    crate::println!(P, "");
    crate::println!(P, "All runs (instructions per operation, in the order measured):");
    crate::println!(P, "");
    for (name, outcome) in rows {
        if let Outcome::Runs(runs) = outcome {
            let runs: Vec<String> = runs.iter().map(|&r| tenths(r)).collect();
            crate::println!(P, "- {name}: {}", runs.join(" "));
        }
    }
    crate::println!(P, "--- end ---");
    if failed > 0 {
        crate::println!(P, "bench: {failed} measurement(s) failed");
        1
    } else {
        0
    }
}
