//! The instruction counter of ARMv7-A: the PMU cycle counter `PMCCNTR`, which QEMU advances
//! once per instruction under `-icount`; 32 bits on ARMv7, widened in software. USR mode may
//! read it once started.

use super::{cycle_counter_start, cycles, Armv7a};
use crate::arch::{Arch, InstructionCounter};
use core::sync::atomic::{AtomicU64, Ordering};

/// `PMCCNTR`, widened to 64 bits.
pub struct CycleCounter;

/// The last 64-bit value [`CycleCounter::read`] returned.
static WIDE: AtomicU64 = AtomicU64::new(0);

impl InstructionCounter for CycleCounter {
    #[inline]
    fn start() {
        cycle_counter_start();
    }

    /// Widened to 64 bits: PMCCNTR wraps every 2^32 instructions, far longer than between two
    /// readings of a benchmark.
    #[inline]
    fn read() -> u64 {
        let were_enabled = Armv7a.irq_save();
        let last = WIDE.load(Ordering::Relaxed);
        let count = last + (cycles().wrapping_sub(last as u32)) as u64;
        WIDE.store(count, Ordering::Relaxed);
        Armv7a.irq_restore(were_enabled);
        count
    }

    #[inline]
    fn raw() -> u64 {
        cycles() as u64
    }

    #[inline]
    fn between(earlier: u64, later: u64) -> u64 {
        (later as u32).wrapping_sub(earlier as u32) as u64
    }
}
