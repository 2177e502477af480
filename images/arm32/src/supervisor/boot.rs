//! The supervisor's way up: SVC mode established (dropping from HYP when entered there; the
//! A-profile code of `wells_core::arch::arm::boot` serves the Cortex-R52's EL2 too, whose HYP
//! registers are the same), then mode stacks, heap, vectors, console, MMU or MPU, interrupt
//! controller, timer, and the application.

use super::board::{Board, HEAP, VIRTUAL_TIMER};
use super::trap;
use wells_core::arch::arm::{set_fast_call_handler, set_trap_handler};

/// How the image gets to its level: SVC mode, then [`level_main`].
pub(crate) use wells_core::arch::arm::boot::wells_arm_establish_svc as enter_level;

/// In SVC mode on the boot stack.
pub(crate) extern "C" fn level_main(entry_mode: u32) -> ! {
    set_trap_handler(trap::handle);
    set_fast_call_handler(trap::fast_call, wells_board_common::supervisor::syscalls::FAST_CALLS);
    crate::board::UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    super::protection::enable();
    crate::board::interrupts_init(VIRTUAL_TIMER);
    crate::board::detect_guest(entry_mode);
    let board = Board::new(entry_mode);
    board.announce();
    crate::boot::run_app(&board)
}
