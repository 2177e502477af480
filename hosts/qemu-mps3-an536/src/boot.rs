//! From reset to `app_main`: boot stack, .bss, EL2 established minimally and the drop to EL1
//! (SVC) by the A-profile code of `wells_core::arch::arm::boot` (ARMv8-R AArch32 has the same
//! HYP registers it writes), mode stacks, heap, vectors, console, MPU, interrupt controller.

use crate::board::{Board, HEAP, VIRTUAL_TIMER};
use crate::{gic, trap};
use core::arch::global_asm;
use wells_core::arch::arm::{boot::wells_arm_establish_svc, set_trap_handler};

extern "Rust" {
    /// The application: the test runner or the demo. Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

global_asm!(
    ".section .text.boot",
    ".arm",
    ".global _start",
    "_start:",
    "    cpsid aif",
    "    ldr sp, =__boot_stack_top",
    // At EL2: let EL1 use the GIC CPU interface's system registers (ICC_HSRE: SRE | Enable).
    "    mrs r0, cpsr",
    "    and r0, r0, #0x1f",
    "    cmp r0, #0x1a",
    "    moveq r0, #0xf",
    "    mcreq p15, 4, r0, c12, c9, 5",
    "    isb",
    "    ldr r4, =__bss_start",
    "    ldr r5, =__bss_end",
    "    mov r6, #0",
    "1:  cmp r4, r5",
    "    strlo r6, [r4], #4",
    "    blo 1b",
    "    ldr r0, =wells_board_svc_main",
    "    ldr r1, =__boot_stack_top",
    "    b wells_arm_establish_svc",
    ".ltorg",
);

#[no_mangle]
extern "C" fn wells_board_svc_main(entry_mode: u32) -> ! {
    set_trap_handler(trap::handle);
    crate::board::UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    crate::memory::enable_mpu();
    gic::init(VIRTUAL_TIMER);
    let board = Board::new(entry_mode);
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    crate::semihosting::exit(status)
}

// Keeps the symbol referenced so the linker does not drop the drop routine.
#[used]
static ESTABLISH_SVC: unsafe extern "C" fn(extern "C" fn(u32) -> !, usize) -> ! = wells_arm_establish_svc;
