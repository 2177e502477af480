//! The board's clock: CMSDK APB timer 0 counting down freely at 25 MHz, folded into a 64-bit
//! cycle count by the SysTick handler every millisecond.
//!
//! Why not SysTick's own counter: under QEMU its current value reloads before the tick's
//! interrupt is pending, so "ticks counted + cycles into this tick" reads a millisecond early
//! at some tick edges. A free-running counter has no such edge: the count since the last fold
//! is a wrapping difference, exact as long as folds come more often than every 171 s.

use core::sync::atomic::{compiler_fence, AtomicU32, Ordering};

const TIMER0_CTRL: usize = crate::facts::CLOCK_BASE;
const TIMER0_VALUE: usize = crate::facts::CLOCK_BASE + 0x4;
const TIMER0_RELOAD: usize = crate::facts::CLOCK_BASE + 0x8;
/// The timer runs on the 25 MHz peripheral clock: 40 ns a count.
pub const NS_PER_CYCLE: u64 = 40;

/// Cycles folded so far (low and high words), the timer's value at the last fold, and a
/// sequence number that is odd while a fold is under way.
static FOLDED_LO: AtomicU32 = AtomicU32::new(0);
static FOLDED_HI: AtomicU32 = AtomicU32::new(0);
static VALUE_AT_FOLD: AtomicU32 = AtomicU32::new(u32::MAX);
static SEQUENCE: AtomicU32 = AtomicU32::new(0);

fn write_reg(address: usize, value: u32) {
    // SAFETY: CMSDK APB timer 0 registers of this board.
    unsafe { core::ptr::write_volatile(address as *mut u32, value) }
}

fn value() -> u32 {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(TIMER0_VALUE as *const u32) }
}

/// Starts the timer from u32::MAX, free-running, without its interrupt.
pub fn start() {
    write_reg(TIMER0_CTRL, 0);
    write_reg(TIMER0_RELOAD, u32::MAX);
    write_reg(TIMER0_VALUE, u32::MAX);
    write_reg(TIMER0_CTRL, 1);
}

/// Adds the cycles since the last fold. Called from the SysTick handler only, which nothing
/// that reads the clock can interrupt.
pub fn fold() {
    let now = value();
    let since = VALUE_AT_FOLD.load(Ordering::Relaxed).wrapping_sub(now);
    SEQUENCE.fetch_add(1, Ordering::SeqCst);
    let total = (((FOLDED_HI.load(Ordering::Relaxed) as u64) << 32) | FOLDED_LO.load(Ordering::Relaxed) as u64) + since as u64;
    FOLDED_LO.store(total as u32, Ordering::Relaxed);
    FOLDED_HI.store((total >> 32) as u32, Ordering::Relaxed);
    VALUE_AT_FOLD.store(now, Ordering::Relaxed);
    SEQUENCE.fetch_add(1, Ordering::SeqCst);
}

/// Cycles since [`start`]: the folded count plus the counter's progress since the last fold.
/// A fold that comes in between (SysTick preempting the caller) makes it read again.
///
/// Compiler fences, not barriers: the one writer is an interrupt handler on this one CPU,
/// which comes between two of the reader's instructions and sees its own stores in order, so
/// only the compiler could reorder what matters (a `dmb` per load cost the Cortex-M3's switch
/// 5 instructions, `cargo xtask bench --board qemu-mps2-an385`: 433 -> 428).
pub fn cycles() -> u64 {
    loop {
        let before = SEQUENCE.load(Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        let folded = ((FOLDED_HI.load(Ordering::Relaxed) as u64) << 32) | FOLDED_LO.load(Ordering::Relaxed) as u64;
        let at_fold = VALUE_AT_FOLD.load(Ordering::Relaxed);
        let now = value();
        compiler_fence(Ordering::SeqCst);
        if before.is_multiple_of(2) && SEQUENCE.load(Ordering::Relaxed) == before {
            return folded + at_fold.wrapping_sub(now) as u64;
        }
    }
}

/// Nanoseconds since [`start`].
pub fn now_ns() -> u64 {
    cycles() * NS_PER_CYCLE
}
