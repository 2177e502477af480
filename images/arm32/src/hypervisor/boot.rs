//! The hypervisor's way up: HYP mode (refusing to go on without it; `crate::boot` ran first),
//! HYP vectors, console, heap, HYP traps and stage-2 control, interrupt controller, the
//! hypervisor timer, and the application.

use super::board::{Board, GIC, GUEST_TIMER, HEAP, HYP_TIMER, UART};
use super::trap;
use core::fmt::Write;
use wells_board_common::Console;
use wells_core::arch::arm::hyp::{self, set_hyp_fast_call_handler, set_hyp_trap_handler};
use wells_core::arch::arm::{self, mode};

/// How the image gets to its level: it stays in the mode it was entered in (HYP, or it refuses
/// to go on in [`level_main`]).
pub(crate) extern "C" fn enter_level(main: extern "C" fn(u32) -> !, _stack: usize) -> ! {
    main(arm::current_mode())
}

/// Exit status when QEMU offers no HYP mode.
const NO_HYP_STATUS: i32 = 103;

/// In HYP mode on the boot stack.
pub(crate) extern "C" fn level_main(entry_mode: u32) -> ! {
    UART.init();
    if entry_mode != mode::HYP {
        let _ = writeln!(
            Console::<Board>::new(),
            "wells: the hypervisor needs HYP mode, but QEMU entered in {} mode: start it with -M virt,virtualization=on",
            mode::name(entry_mode)
        );
        crate::board::exit(NO_HYP_STATUS);
    }
    set_hyp_trap_handler(trap::handle);
    set_hyp_fast_call_handler(trap::fast_call, wells_board_common::hypervisor::hypercalls::FAST_HYPERCALLS);
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    // Guests get the PMU only in the benchmark image (it is shared by all VMs).
    hyp::establish(cfg!(feature = "bench"));
    GIC.init_hypervisor(HYP_TIMER, GUEST_TIMER);
    let board = Board::new(entry_mode);
    board.announce();
    // With feature `smp` every CPU comes up now, and parks until a kernel takes it in.
    #[cfg(feature = "smp")]
    super::smp::bring_up(entry_mode);
    crate::boot::run_app(&board)
}
