//! The supervisor's way up: drop to EL1 (`crate::boot` ran first), then heap, vectors, console,
//! MMU, interrupt controller, timer, and the application.

use super::board::{Board, GIC, HEAP, UART, VIRTUAL_TIMER};
use super::trap;
use wells_core::arch::aarch64::{set_fast_call_handler, set_trap_handler};

/// How the image gets to its level: from the entry level down to EL1, then [`level_main`].
pub(crate) use wells_core::arch::aarch64::boot::wells_aarch64_drop_to_el1 as enter_level;

/// At EL1 on the boot stack.
pub(crate) extern "C" fn level_main(entry_el: u64) -> ! {
    set_trap_handler(trap::handle);
    set_fast_call_handler(trap::fast_call, wells_board_common::supervisor::syscalls::FAST_CALLS);
    UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    super::memory::enable_mmu();
    GIC.init(VIRTUAL_TIMER);
    crate::exit::detect(entry_el as u8);
    let board = Board::new(entry_el as u8);
    board.announce();
    crate::boot::run_app(&board)
}
