//! From reset to `app_main`: boot stack, .bss, secure GIC set-up when entered at EL3, then EL2
//! (refusing to go on without it), vectors, console, heap, EL2 traps and stage-2 control,
//! interrupt controller and the hypervisor timer.

use crate::board::{Board, GIC, GUEST_TIMER, HEAP, HYP_TIMER, UART};
use crate::trap;
use core::arch::global_asm;
use wells_board_common::Console;
use wells_core::arch::aarch64::boot::wells_aarch64_establish_el2;
use wells_core::arch::aarch64::{self, el2, set_el2_trap_handler};

extern "Rust" {
    /// The application: the test runner or the demo. Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

/// Exit status when QEMU offers no EL2.
const NO_EL2_STATUS: i32 = 103;

global_asm!(
    ".section .text.boot",
    ".global _start",
    "_start:",
    "    ldr x9, =__boot_stack_top",
    "    mov sp, x9",
    "    ldr x9, =__bss_start",
    "    ldr x10, =__bss_end",
    "1:  cmp x9, x10",
    "    b.hs 2f",
    "    str xzr, [x9], #8",
    "    b 1b",
    "2:  mrs x0, CurrentEL",
    "    lsr x0, x0, #2",
    "    bl wells_hyper_at_entry_level",
    "    ldr x0, =wells_hyper_el2_main",
    "    ldr x1, =__boot_stack_top",
    "    b wells_aarch64_establish_el2",
);

/// Runs at the entry level: with `secure=on` only the secure world may hand interrupts to the
/// non-secure one.
#[no_mangle]
extern "C" fn wells_hyper_at_entry_level(entry_el: u64) {
    if entry_el == 3 {
        GIC.hand_interrupts_to_non_secure();
    }
}

#[no_mangle]
extern "C" fn wells_hyper_el2_main(entry_el: u64) -> ! {
    UART.init();
    if aarch64::current_el() != 2 {
        use core::fmt::Write;
        let _ = writeln!(
            Console::<Board>::new(),
            "wells: the hypervisor needs EL2, but QEMU entered at EL{entry_el}: start it with -M virt,virtualization=on"
        );
        crate::semihosting::exit(NO_EL2_STATUS);
    }
    set_el2_trap_handler(trap::handle);
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    // Guests get the PMU only in the benchmark image (it is shared by all VMs).
    el2::establish(cfg!(feature = "bench"));
    GIC.init_hypervisor(HYP_TIMER, GUEST_TIMER);
    let board = Board::new(entry_el as u8);
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    crate::semihosting::exit(status)
}

// Keeps the symbol referenced so the linker does not drop the routine.
#[used]
static ESTABLISH_EL2: unsafe extern "C" fn(extern "C" fn(u64) -> !, usize) -> ! = wells_aarch64_establish_el2;
