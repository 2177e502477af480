//! The hypervisor's way up: establish EL2 (`crate::boot` ran first), refusing to go on without
//! it, then vectors, console, heap, EL2 traps and stage-2 control, interrupt controller, the
//! hypervisor timer, and the application.

use super::board::{Board, GIC, GUEST_TIMER, HEAP, HYP_TIMER, UART};
use super::trap;
use wells_board_common::Console;
use wells_core::arch::aarch64::{self, el2, set_el2_trap_handler};

/// How the image gets to its level: establish EL2 (dropping from EL3 first), then
/// [`level_main`].
pub(crate) use wells_core::arch::aarch64::boot::wells_aarch64_establish_el2 as enter_level;

/// Exit status when QEMU offers no EL2.
const NO_EL2_STATUS: i32 = 103;

/// At EL2 on the boot stack.
pub(crate) extern "C" fn level_main(entry_el: u64) -> ! {
    UART.init();
    if aarch64::current_el() != 2 {
        use core::fmt::Write;
        let _ = writeln!(
            Console::<Board>::new(),
            "wells: the hypervisor needs EL2, but QEMU entered at EL{entry_el}: start it with -M virt,virtualization=on"
        );
        crate::exit::exit(NO_EL2_STATUS);
    }
    // Below the wells monitor (feature `normal-world`) the hypervisor joins: the monitor entered
    // it at EL2 and owns EL3, the GIC's secure group and the secure timer; anything else is not
    // the full stack.
    if cfg!(feature = "normal-world") && entry_el != 2 {
        use core::fmt::Write;
        let _ = writeln!(Console::<Board>::new(), "wells: the hypervisor below the monitor must be entered at EL2 by it, but was entered at EL{entry_el}");
        crate::exit::exit(NO_EL2_STATUS);
    }
    // SAFETY: QEMU leaves its device tree at the bottom of RAM, below the image, where nothing
    // has been written yet (the heap and the VMs' RAM come later); the first 8 bytes are RAM
    // whatever they hold.
    unsafe { wells_board_common::hypervisor::entropy::capture_board_seed(crate::facts::RAM_BASE) };
    set_el2_trap_handler(trap::handle);
    aarch64::set_fast_call_handler(trap::fast_call, wells_board_common::hypervisor::hypercalls::FAST_HYPERCALLS);
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    // Guests get the PMU only in the benchmark image and in the full stack, whose client task
    // measures its secure calls (it is shared by all VMs).
    el2::establish(cfg!(any(feature = "bench", feature = "normal-world")));
    GIC.init_hypervisor(HYP_TIMER, GUEST_TIMER);
    let board = Board::new(entry_el as u8);
    board.announce();
    // With feature `smp` every CPU comes up now, and parks until a kernel takes it in.
    #[cfg(feature = "smp")]
    super::smp::bring_up(board.entry_el);
    crate::boot::run_app(&board)
}
