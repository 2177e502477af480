//! From reset to `app_main`: boot stack, .bss, HYP mode (refusing to go on without it), HYP
//! vectors, console, heap, HYP traps and stage-2 control, interrupt controller and the
//! hypervisor timer.

use crate::board::{Board, GIC, GUEST_TIMER, HEAP, HYP_TIMER, UART};
use crate::trap;
use core::arch::global_asm;
use core::fmt::Write;
use wells_board_common::Console;
use wells_core::arch::arm::hyp::{self, set_hyp_trap_handler};
use wells_core::arch::arm::mode;

extern "Rust" {
    /// The application: the test runner or the demo. Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

/// Exit status when QEMU offers no HYP mode.
const NO_HYP_STATUS: i32 = 103;

global_asm!(
    ".section .text.boot",
    ".arm",
    ".global _start",
    "_start:",
    "    cpsid aif",
    "    ldr sp, =__boot_stack_top",
    "    ldr r4, =__bss_start",
    "    ldr r5, =__bss_end",
    "    mov r6, #0",
    "1:  cmp r4, r5",
    "    strlo r6, [r4], #4",
    "    blo 1b",
    "    mrs r0, cpsr",
    "    and r0, r0, #0x1f",
    "    b wells_hyper_main",
    ".ltorg",
);

#[no_mangle]
extern "C" fn wells_hyper_main(entry_mode: u32) -> ! {
    UART.init();
    if entry_mode != mode::HYP {
        let _ = writeln!(
            Console::<Board>::new(),
            "wells: the hypervisor needs HYP mode, but QEMU entered in {} mode: start it with -M virt,virtualization=on",
            mode::name(entry_mode)
        );
        crate::semihosting::exit(NO_HYP_STATUS);
    }
    set_hyp_trap_handler(trap::handle);
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    // Guests get the PMU only in the benchmark image (it is shared by all VMs).
    hyp::establish(cfg!(feature = "bench"));
    GIC.init_hypervisor(HYP_TIMER, GUEST_TIMER);
    let board = Board::new(entry_mode);
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    crate::semihosting::exit(status)
}
