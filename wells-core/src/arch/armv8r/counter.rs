//! The instruction counter of the Cortex-R52 as QEMU 10 models it: it has no PMU (ID_DFR0.PerfMon
//! is 0, `-cpu cortex-r52,pmu=on` is refused, PMCCNTR reads 0), so the counter is the generic
//! timer's virtual count CNTVCT (CP15, 64 bits) in nanoseconds: under `-icount shift=0` QEMU's
//! virtual clock advances exactly 1 ns per instruction, so the count times 10^9 / CNTFRQ is an
//! instruction count. CNTFRQ is 62.5 MHz there: one count per 16 instructions (measured: a
//! 200 000-instruction loop moves CNTVCT by 12 501), so figures move in steps of 16
//! instructions.

use crate::arch::{arm, InstructionCounter};

/// CNTVCT in nanoseconds.
pub struct TimerCounter;

/// Nanoseconds (instructions under `-icount shift=0`) per count of CNTVCT.
#[inline]
fn ns_per_count(frequency: u64) -> u64 {
    1_000_000_000 / frequency
}

impl InstructionCounter for TimerCounter {
    /// The generic timer always runs.
    #[inline]
    fn start() {}

    #[inline]
    fn read() -> u64 {
        let (count, frequency) = arm::counter();
        count * ns_per_count(frequency)
    }

    #[inline]
    fn raw() -> u64 {
        Self::read()
    }

    #[inline]
    fn between(earlier: u64, later: u64) -> u64 {
        later - earlier
    }
}
