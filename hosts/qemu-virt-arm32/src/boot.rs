//! From reset to `app_main`: boot stack, .bss, drop from HYP to SVC when entered in HYP, mode
//! stacks, heap, vectors, console, MMU, interrupt controller, timer.

use crate::board::{Board, GIC, HEAP, UART, VIRTUAL_TIMER};
use crate::trap;
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
    UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    crate::memory::enable_mmu();
    GIC.init(VIRTUAL_TIMER);
    crate::exit::detect(entry_mode);
    let board = Board::new(entry_mode);
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    crate::exit::exit(status)
}

// Keeps the symbol referenced so the linker does not drop the drop routine.
#[used]
static ESTABLISH_SVC: unsafe extern "C" fn(extern "C" fn(u32) -> !, usize) -> ! = wells_arm_establish_svc;
