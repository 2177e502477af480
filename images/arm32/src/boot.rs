//! From reset to the level: interrupts masked, boot stack, .bss, what the board needs done in the
//! entry mode, then the level's own way up (`supervisor::boot`: establish SVC, dropping from HYP;
//! `hypervisor::boot`: stay in HYP), which ends in the application (`app_main`, defined by each
//! binary).

use crate::level::boot::{enter_level, level_main};
use crate::Board;
use core::arch::global_asm;

extern "Rust" {
    /// The application: the test runner, the demo, the bench... Returns the exit status.
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
    "    mrs r0, cpsr",
    "    and r0, r0, #0x1f",
    "    bl {at_entry_mode}",
    "    ldr r0, ={level_main}",
    "    ldr r1, =__boot_stack_top",
    "    b {enter_level}",
    ".ltorg",
    at_entry_mode = sym crate::board::at_entry_mode,
    level_main = sym level_main,
    enter_level = sym enter_level,
);

/// Runs the application on the established board and ends the run with its status.
pub(crate) fn run_app(board: &Board) -> ! {
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(board) };
    crate::exit::exit(status)
}
