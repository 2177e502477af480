//! The monitor's way up: every CPU starts at `_start` in the secure flash
//! (`wells_core::aarch64_monitor_start!`, from `crate::boot`): CPUs other than 0 park, CPU 0
//! copies .data, clears .bss and comes here at EL3 to establish it.

use super::board::{Board, CONSOLE, GIC};
use super::trap;
use wells_core::arch::aarch64::el3;

/// At EL3 on the monitor stack, CPU 0.
pub(crate) extern "C" fn level_main() -> ! {
    CONSOLE.init();
    el3::establish(trap::handle);
    // SMCCC_VERSION answered in the vectors, counted with the rest.
    el3::set_fast_smc_counter(super::board::SMC.counter());
    // With secure=on only the secure world may hand interrupts to the normal world.
    GIC.hand_interrupts_to_non_secure();
    let board = Board::new();
    board.announce();
    crate::boot::run_app(&board)
}
