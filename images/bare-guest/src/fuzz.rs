//! Hypercall fuzzing: random defined SMCCC function IDs (PSCI 0x8400_0000..=0x8400_001F and
//! wells' 0x8600_0000..=0x8600_0004, SMC32 or SMC64 form, random high bits on AArch64) with
//! random arguments and guest buffers, from a seeded PRNG so a run repeats exactly.
//!
//! Left out: CPU_OFF, SYSTEM_OFF and SYSTEM_RESET (they end or restart the VM) and undefined
//! IDs (they stop it; the scenario `BadHypercall` tests that). Port waits get 0 ms (one in 256:
//! 1 ms); yields and standby suspends are rare (each hands the CPU over for a time slice).
//! The hypervisor may write only into the scratch buffer; a buffer outside the VM's RAM,
//! straddling its end, wrapping around, or over 4096 bytes must be refused.

use crate::hypercall::call;
use core::fmt::Write;

/// The VM's RAM as the test's system description gives it: `[start, end)`. On the Cortex-R52 the
/// partition's, as the hypervisor said at entry.
#[cfg(not(wells_r52))]
fn ram() -> (u64, u64) {
    let start = crate::facts::GUEST_RAM as u64;
    (start, start + (4 << 20))
}
#[cfg(wells_r52)]
fn ram() -> (u64, u64) {
    crate::partition_ram()
}
/// Most bytes one console write or port message may carry.
const TRANSFER_MAX: u64 = 4096;
const SCRATCH: usize = 64;
/// wells' version call and its answer (docs/hypervisor.md).
const WELLS_VERSION: u32 = 0x8600_0000;
const WELLS_ABI: i64 = 1;
const CANARY: u8 = 0x5A;

/// [canary | scratch | canary]: only the middle is handed out for writing.
static mut MEMORY: [u8; SCRATCH * 3] = [CANARY; SCRATCH * 3];

/// xorshift64*: the same sequence on every CPU.
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

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// What a register holds of `value`: 32 bits on an AArch32 guest.
fn register(value: u64) -> u64 {
    value & usize::MAX as u64
}

/// Makes `calls` random hypercalls; prints the tally and returns the number of violations.
pub fn run(out: &mut crate::uart::Uart, calls: u64) -> u64 {
    let mut rng = Rng(0x5EED_0000 + usize::BITS as u64);
    let scratch = (&raw mut MEMORY) as u64 + SCRATCH as u64;
    let (mut ok, mut violations) = (0u64, 0u64);
    for n in 0..calls {
        let (function, args, must_refuse) = pick(&mut rng, scratch);
        let result = call(function, args);
        // wells' version (answered on the hypervisor's fast path) is 1 in every form.
        if (function as u32) & !(1 << 30) == WELLS_VERSION && result != WELLS_ABI {
            violations += 1;
            let _ = writeln!(out, "fuzz: call {n} ({function:#x}) answered {result}, not wells' version {WELLS_ABI}");
        }
        if result >= 0 {
            ok += 1;
            if must_refuse {
                violations += 1;
                let _ = writeln!(out, "fuzz: call {n} ({function:#x}) {args:#x?} accepted a bad buffer");
            }
        }
    }
    // SAFETY: the hypervisor writes guest memory only during a call, and none runs now.
    let memory = unsafe { &*(&raw const MEMORY) };
    if memory[..SCRATCH].iter().chain(&memory[SCRATCH * 2..]).any(|&b| b != CANARY) {
        violations += 1;
        let _ = writeln!(out, "fuzz: memory next to the scratch buffer changed");
    }
    let bits = usize::BITS;
    let _ = writeln!(out, "fuzz hypercalls ({bits}-bit guest): {calls} calls, {ok} ok, {violations} violations");
    violations
}

/// Defined calls as `run` makes them, and one time in 64 a random function ID, until an
/// undefined one stops the VM; `restarts` seeds the run, so each restart fuzzes anew.
pub fn until_stopped(restarts: u64) -> ! {
    let mut rng = Rng(0x5EED_0000 + usize::BITS as u64 + (restarts << 16));
    let scratch = (&raw mut MEMORY) as u64 + SCRATCH as u64;
    loop {
        let (function, args, _) = pick(&mut rng, scratch);
        let random = register(rng.next());
        // Never CPU_OFF, SYSTEM_OFF or SYSTEM_RESET: those end the VM by design.
        let ends = matches!((random as u32) & !(1 << 30), 0x8400_0002 | 0x8400_0008 | 0x8400_0009);
        let function = if rng.one_in(64) && !ends { random } else { function };
        call(function, args);
    }
}

/// One call: function ID, arguments, and whether it hands over a buffer that must be refused.
fn pick(rng: &mut Rng, scratch: u64) -> (u64, [u64; 4], bool) {
    let mut args = [rng.next(), rng.next(), rng.next(), rng.next()];
    let mut must_refuse = false;
    let function = if rng.one_in(2) {
        let mut f = rng.below(0x20);
        // Those that end or reset the VM; a standby suspend gives the CPU away: rare.
        if matches!(f, 2 | 8 | 9) || (f == 1 && !rng.one_in(32)) {
            f = 0;
        }
        if f == 1 {
            args[0] = 0;
        }
        0x8400_0000 + f
    } else {
        let mut f = rng.below(5);
        if f == 2 && !rng.one_in(32) {
            f = 0;
        }
        let write = f == 4;
        if f == 1 || f >= 3 {
            let (ipa, len, refused) = buffer(rng, scratch, write);
            must_refuse = refused;
            args = match f {
                // Nothing may reach the console: refused buffers or empty ones.
                1 => [ipa, if refused { len } else { 0 }, 0, 0],
                _ => [rng.below(3), ipa, len, rng.one_in(256) as u64],
            };
            // A port the VM was not given refuses before looking at the buffer.
            must_refuse &= f == 1 || args[0] == 0;
        }
        0x8600_0000 + f
    };
    let form = if rng.one_in(2) { 1 << 30 } else { 0 };
    let high = if rng.one_in(4) { rng.next() << 32 } else { 0 };
    (register(function | form | high), args.map(register), must_refuse)
}

/// A guest buffer: address, length, and whether it must be refused. One the hypervisor may
/// write is inside the scratch buffer or refused.
fn buffer(rng: &mut Rng, scratch: u64, write: bool) -> (u64, u64, bool) {
    let len = register(match rng.below(8) {
        0 => 0,
        1..=3 => 1 + rng.below(SCRATCH as u64),
        4 => TRANSFER_MAX + 1 + rng.below(16),
        5 => u64::MAX - rng.below(16),
        _ => rng.next() >> rng.below(64),
    });
    let (ram, ram_end) = ram();
    let ipa = register(match rng.below(8) {
        0 => rng.below(ram),
        1 => ram_end - rng.below(64),
        2 => ram_end + rng.below(1 << 20),
        3 => u64::MAX - rng.below(64),
        4 if !write => ram + rng.below(ram_end - ram),
        _ => scratch + rng.below(SCRATCH as u64),
    });
    let refused = len > 0 && (len > TRANSFER_MAX || ipa < ram || ipa.checked_add(len).is_none_or(|end| end > ram_end));
    if write && !refused && !(ipa >= scratch && ipa + len <= scratch + SCRATCH as u64) {
        return (scratch, len.min(SCRATCH as u64), false);
    }
    (ipa, len, refused)
}
