//! A system-call fuzzer: random call numbers, handles, pointers, lengths and timeouts from a
//! seeded PRNG, so a run repeats exactly. It uses only its stack (Cortex-M tasks have no
//! statics) and checks what it can from user mode: a buffer it knows is bad must be refused.
//!
//! Left out so the fuzzer keeps running: `exit` (0), unknown numbers (they stop the task; the
//! fault tests cover them) and, where the board has none, the transaction calls (21..=26).
//! Waits get 0 ms (1 or 2 ms one time in 256), sleeps 0 ms (1 ms one time in 64), and yields
//! and sleeps are rare (each lets the other task run a whole time slice): nothing blocks for
//! long. The kernel may write only
//! into the fuzzer's scratch buffer (or refuse): every pointer for a buffer the kernel fills is
//! either inside it or known bad.

use crate::nr;
use crate::syscall::syscall;
use core::sync::atomic::{AtomicU32, Ordering};

/// Where the fuzzer aims, for the board it runs on.
pub struct Targets<'a> {
    /// Ranges a task may never touch (kernel RAM, devices): start and length.
    pub kernel: &'a [(usize, usize)],
    /// Readable, never writable by the task (its image's read-only data).
    pub read_only: usize,
    /// The fuzzer's priority (its task's maximum): its threads get it, so no other task at that
    /// priority keeps them from running while it joins them.
    pub priority: usize,
    /// Transaction calls (21..=26) exist.
    pub transactions: bool,
}

/// What a run did.
#[derive(Default, Debug)]
pub struct Report {
    pub calls: u64,
    /// Status 0.
    pub ok: u64,
    /// A bad buffer accepted, the scratch canary changed, or more threads ran than were
    /// created: kernel bugs.
    pub violations: u64,
    /// `thread_create` returned a handle.
    pub threads_created: u64,
    /// Threads that really ran (more than created would be a `thread_create` that failed after
    /// starting one, #23).
    pub threads_ran: u32,
}

/// xorshift64*: small, fast, and the same sequence on every CPU.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn word(&mut self) -> usize {
        self.next() as usize
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// Scratch buffer the kernel may read and fill; the canaries around it must stay.
const SCRATCH: usize = 64;
const CANARY: u8 = 0x5A;

/// A thread the fuzzer starts: counts itself in the counter `arg` points to and ends.
extern "C" fn counted(arg: usize) -> ! {
    // SAFETY: `arg` is the fuzzer's counter, alive until the fuzzer has joined this thread or
    // ended (the counter lives in `run`'s frame, which outlives the calls).
    unsafe { &*(arg as *const AtomicU32) }.fetch_add(1, Ordering::SeqCst);
    crate::exit(0)
}

/// Makes `calls` random calls from `seed`.
pub fn run(seed: u64, calls: u64, targets: &Targets<'_>) -> Report {
    let mut rng = Rng(seed | 1);
    let mut report = Report::default();
    // [canary | scratch | canary]: only the middle is ever handed out for writing.
    let mut memory = [CANARY; SCRATCH * 3];
    let ran = AtomicU32::new(0);
    let mut handles = [0usize; 8];
    let scratch = memory.as_mut_ptr() as usize + SCRATCH;
    for n in 0..calls {
        let (number, args, bad) = pick(&mut rng, targets, scratch, &ran, &handles);
        // SAFETY: every buffer the kernel could write is inside the scratch part of `memory`
        // or one it must refuse (see `pick`); `counted` threads only touch `ran`.
        let (status, value) = unsafe { syscall(number, &args) };
        report.calls += 1;
        if status == 0 {
            report.ok += 1;
            if bad {
                report.violations += 1;
                crate::println!("fuzz: call {} ({}) {:#x?} accepted a bad buffer", n, number, args);
            }
            match number {
                nr::MUTEX_CREATE | nr::SEM_CREATE | nr::EVENT_CREATE | nr::PORT_OPEN | nr::SHARED_OPEN | nr::TXN_OPEN => {
                    handles[rng.below(8) as usize] = value;
                }
                nr::THREAD_CREATE => {
                    report.threads_created += 1;
                    let _ = crate::thread_join(crate::Handle::from_raw(value as u32), crate::FOREVER);
                }
                _ => {}
            }
        }
    }
    // Threads that failed to be reported may still be about to run: give them time.
    let _ = crate::sleep(2);
    report.threads_ran = ran.load(Ordering::SeqCst);
    // Only threads `thread_create` answered with a handle may run (#23).
    if report.threads_ran as u64 > report.threads_created {
        report.violations += 1;
        crate::println!("fuzz: {} threads ran, {} were created", report.threads_ran, report.threads_created);
    }
    let canaries = memory[..SCRATCH].iter().chain(&memory[SCRATCH * 2..]);
    if canaries.into_iter().any(|&b| b != CANARY) {
        report.violations += 1;
        crate::println!("fuzz: memory next to the scratch buffer changed");
    }
    report
}

/// One call: number, arguments, and whether it hands the kernel a buffer it must refuse.
fn pick(rng: &mut Rng, t: &Targets<'_>, scratch: usize, ran: &AtomicU32, handles: &[usize; 8]) -> (usize, [usize; 4], bool) {
    let mut number = 1 + rng.below(nr::PORT_REPLY_WAIT as u64) as usize;
    // A yield or sleep hands the CPU to the task beside for its whole time slice: rare.
    let giving_up = matches!(number, nr::YIELD | nr::SLEEP) && !rng.one_in(32);
    if giving_up || (!t.transactions && (21..=26).contains(&number)) {
        number = nr::NOP;
    }
    let handle = handle(rng, handles);
    // Rarely a real wait: each one lets other threads run for a while.
    let timeout = if rng.one_in(256) { 1 + rng.below(2) as usize } else { 0 };
    let mut args = [rng.word(), rng.word(), rng.word(), rng.word()];
    let mut bad = false;
    let mut buffer = |rng: &mut Rng, write: bool| {
        let (ptr, len, refused) = buffer(rng, t, scratch, write);
        bad = refused;
        (ptr, len, refused)
    };
    match number {
        nr::SLEEP => args[0] = rng.one_in(64) as usize,
        nr::CONSOLE_WRITE => {
            // Nothing may reach the console: bad buffers or empty ones only.
            let (ptr, len, refused) = buffer(rng, false);
            args[..2].copy_from_slice(&[ptr, if refused { len } else { 0 }]);
        }
        nr::THREAD_CREATE => {
            if rng.one_in(64) {
                let priority = if rng.one_in(4) { t.priority + 1 + rng.below(4) as usize } else { t.priority };
                args = [counted as *const () as usize, ran as *const AtomicU32 as usize, priority, 0];
            } else {
                // Never a random place in the task's own code: the thread would run garbage.
                args[0] = [0, 1, t.kernel[0].0, t.kernel[0].0 | 1, usize::MAX][rng.below(5) as usize];
            }
        }
        nr::THREAD_JOIN | nr::MUTEX_LOCK | nr::SEM_WAIT | nr::EVENT_WAIT => args[..2].copy_from_slice(&[handle, timeout]),
        nr::MUTEX_UNLOCK | nr::SEM_POST | nr::EVENT_SET | nr::EVENT_RESET => args[0] = handle,
        nr::SEM_CREATE => args[..2].copy_from_slice(&[rng.below(4) as usize, rng.below(4) as usize]),
        nr::EVENT_CREATE => args[0] = rng.below(8) as usize,
        nr::PORT_OPEN | nr::SHARED_OPEN | nr::TXN_OPEN => {
            if rng.one_in(2) {
                args[..2].copy_from_slice(&[b"fuzz".as_ptr() as usize, 1 + rng.below(5) as usize]);
            } else {
                let (ptr, len, _) = buffer(rng, false);
                args[..2].copy_from_slice(&[ptr, len]);
            }
        }
        nr::PORT_SEND | nr::PORT_RECEIVE | nr::SHARED_READ | nr::TXN_READ | nr::TXN_WRITE => {
            let write = matches!(number, nr::PORT_RECEIVE | nr::SHARED_READ | nr::TXN_READ);
            let (ptr, len, _) = buffer(rng, write);
            args = match number {
                nr::TXN_READ | nr::TXN_WRITE => [handle, self::handle(rng, handles), ptr, len],
                nr::SHARED_READ => [handle, ptr, len, 0],
                _ => [handle, ptr, len, timeout],
            };
        }
        nr::TXN_VOTE => args = [handle, rng.below(2) as usize, timeout, 0],
        nr::PORT_CALL | nr::PORT_REPLY_WAIT => {
            // Two handles in one word (16 bits each), or any word.
            let ports = if rng.one_in(4) { rng.word() } else { (handle & 0xFFFF) | (self::handle(rng, handles) & 0xFFFF) << 16 };
            let (ptr, len, _) = buffer(rng, true);
            args = [ports, ptr, len, timeout];
        }
        nr::THREAD_SET_CLASS => {
            args[0] = if rng.one_in(2) { 0xFFFF_FFFF } else { handle };
            args[1] = rng.below(4) as usize;
        }
        nr::POLICY_LOAD | nr::TELEMETRY_READ => {
            let (ptr, len, _) = buffer(rng, number == nr::TELEMETRY_READ);
            args[..2].copy_from_slice(&[ptr, len]);
        }
        _ => {}
    }
    (number, args, bad)
}

/// A handle: one the fuzzer made, a small number, the caller marker, or any word.
fn handle(rng: &mut Rng, handles: &[usize; 8]) -> usize {
    match rng.below(8) {
        0..=3 => handles[rng.below(8) as usize],
        4 | 5 => rng.below(16) as usize,
        6 => 0xFFFF_FFFF,
        _ => rng.word(),
    }
}

/// A buffer for a call: pointer, length, and whether the kernel must refuse it (a non-empty
/// buffer at NULL, in kernel memory, wrapping around the address space, of 2 GiB or more, or a
/// read-only one to be written). A buffer the kernel may write is inside the scratch buffer
/// or bad; a buffer it only reads may be anywhere.
fn buffer(rng: &mut Rng, t: &Targets<'_>, scratch: usize, write: bool) -> (usize, usize, bool) {
    let len = match rng.below(10) {
        0 => 0,
        1..=3 => 1 + rng.below(SCRATCH as u64) as usize,
        4 => 16,
        5 => SCRATCH + 1 + rng.below(4096) as usize,
        6 => 0x8000_0000 + rng.below(16) as usize,
        7 => usize::MAX - rng.below(16) as usize,
        _ => rng.word() >> rng.below(usize::BITS as u64),
    };
    let (start, size) = t.kernel[rng.below(t.kernel.len() as u64) as usize];
    let kernel = start + rng.below(size as u64) as usize;
    let ptr = match rng.below(8) {
        0 => 0,
        1 => kernel,
        2 => usize::MAX - rng.below(64) as usize,
        3 => t.read_only + rng.below(4) as usize,
        4 if !write => rng.word(),
        5 if !write => scratch.wrapping_add(rng.word() % 0x10000).wrapping_sub(0x8000),
        _ => scratch + rng.below(SCRATCH as u64) as usize,
    };
    let end = ptr.checked_add(len);
    let in_kernel = t.kernel.iter().any(|&(start, size)| (start..start + size).contains(&ptr));
    let refused = len > 0 && (ptr == 0 || end.is_none() || len >= 0x8000_0000 || in_kernel || (write && ptr >= t.read_only && ptr < t.read_only + 4));
    if write && !refused && !(ptr >= scratch && end.is_some_and(|e| e <= scratch + SCRATCH)) {
        // Would let the kernel write elsewhere into the fuzzer's own memory: keep it in the scratch.
        return (scratch, len.min(SCRATCH), false);
    }
    (ptr, len, refused)
}
