//! The instruction counter of the bench image: the board's own clock, so it stays with the board
//! (the A/R-profile CPUs' counters are in `wells_core::arch`). QEMU 10's Cortex-M3 has no DWT cycle counter
//! (DEMCR.TRCENA, DWT_CTRL and DWT_CYCCNT read as zero and ignore writes), so the counter is
//! time: under `-icount shift=0` QEMU's virtual clock advances exactly 1 ns per instruction, and
//! the board's clock (`BoardHost::now_ns`: the free-running CMSDK timer 0 of `clock.rs`, 40 ns
//! per count at 25 MHz, like SysTick on the same clock) is then an instruction count, in steps
//! of 40 instructions (measured with SysTick: a 200 000-instruction loop moves SYST_CVR by
//! 5000).

#[cfg(not(feature = "minimal"))]
use crate::Board;
use crate::BoardHost;
#[cfg(not(feature = "minimal"))]
use wells_board_common::bench::Counter;
use wells_core::arch::InstructionCounter;
use wells_core::Host;

// The bench needs user tasks (`TaskPlatform`), which the minimal configuration has not.
#[cfg(not(feature = "minimal"))]
impl Counter for Board {
    type Instructions = BoardHost;
}

impl InstructionCounter for BoardHost {
    /// The board's clock already runs.
    fn start() {}

    fn read() -> u64 {
        BoardHost.now_ns()
    }

    fn raw() -> u64 {
        BoardHost.now_ns()
    }

    fn between(earlier: u64, later: u64) -> u64 {
        later - earlier
    }
}
