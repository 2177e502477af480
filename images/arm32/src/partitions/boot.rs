//! The R52 hypervisor's way up: it stays at EL2 (refusing to go on elsewhere), console, heap,
//! HYP vectors, the hypervisor's own EL2 MPU regions, HCR and the other EL2 controls, the GICv3
//! with the HYP timer's and the guests' virtual timer's interrupts, and the application.

use super::board::{Board, Out, GUEST_TIMER, HEAP, HYP_TIMER, UART};
use super::{layout, trap};
use core::fmt::Write;
use wells_core::arch::arm::{self, mode};
use wells_core::arch::armv8r::el2;

/// It stays in the mode it was entered in (HYP, or it refuses in [`level_main`]).
pub(crate) extern "C" fn enter_level(main: extern "C" fn(u32) -> !, _stack: usize) -> ! {
    main(arm::current_mode())
}

/// Exit status when the CPU is not at EL2.
const NO_HYP_STATUS: i32 = 103;

/// In HYP mode on the boot stack.
pub(crate) extern "C" fn level_main(entry_mode: u32) -> ! {
    UART.init();
    if entry_mode != mode::HYP {
        let _ = writeln!(Out, "wells: the partitioning hypervisor needs EL2 (HYP mode), but it was entered in {} mode", mode::name(entry_mode));
        crate::board::exit(NO_HYP_STATUS);
    }
    el2::set_hyp_trap_handler(trap::handle);
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    layout::write_hypervisor_regions();
    // SAFETY: in HYP mode; the hypervisor's regions cover its image, stacks and heap, and EL2
    // keeps the background map for the rest.
    unsafe { el2::establish() };
    crate::board::interrupts_init(HYP_TIMER);
    crate::board::interrupts_init(GUEST_TIMER);
    let board = Board::new(entry_mode);
    board.announce();
    crate::boot::run_app(&board)
}
