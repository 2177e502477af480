//! The supervisor's way up: drop to EL1 (`crate::boot` ran first), then heap, vectors, console,
//! MMU, interrupt controller, timer, and the application.

use super::board::{Board, HEAP, UART};
#[cfg(not(feature = "secure-world"))]
use super::board::{GIC, VIRTUAL_TIMER};
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
    // The secure world joins below the monitor: the GIC is the monitor's (and the normal
    // world's), and HVC has nowhere to go at secure EL1.
    #[cfg(not(feature = "secure-world"))]
    {
        GIC.init(VIRTUAL_TIMER);
        crate::exit::detect(entry_el as u8);
    }
    let board = Board::new(entry_el as u8);
    board.announce();
    crate::boot::run_app(&board)
}
