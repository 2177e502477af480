//! The instruction counter of AArch64: the PMU cycle counter `PMCCNTR_EL0` (64 bits), which
//! QEMU advances once per instruction under `-icount`; EL0 may read it once started.

use super::{cycle_counter_start, cycles};
use crate::arch::InstructionCounter;

/// `PMCCNTR_EL0`.
pub struct CycleCounter;

impl InstructionCounter for CycleCounter {
    #[inline]
    fn start() {
        cycle_counter_start();
    }

    #[inline]
    fn read() -> u64 {
        cycles()
    }

    #[inline]
    fn raw() -> u64 {
        cycles()
    }

    #[inline]
    fn between(earlier: u64, later: u64) -> u64 {
        later - earlier
    }
}
