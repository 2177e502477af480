//! From reset to the level: boot stack, .bss, the secure GIC set-up when QEMU entered at EL3,
//! then the level's own way up (`supervisor::boot`: drop to EL1; `hypervisor::boot`: establish
//! EL2), which ends in the application (`app_main`, defined by each binary).

use crate::level::boot::{enter_level, level_main};
use crate::Board;
use core::arch::global_asm;

extern "Rust" {
    /// The application: the test runner, the demo, the bench... Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

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
    "    bl {at_entry_level}",
    "    ldr x0, ={level_main}",
    "    ldr x1, =__boot_stack_top",
    "    b {enter_level}",
    at_entry_level = sym at_entry_level,
    level_main = sym level_main,
    enter_level = sym enter_level,
);

/// Runs at the entry level, before going to the image's level: with `secure=on` only the secure
/// world may hand interrupts to the non-secure one.
extern "C" fn at_entry_level(entry_el: u64) {
    if entry_el == 3 {
        crate::level::board::GIC.hand_interrupts_to_non_secure();
    }
}

/// Runs the application on the established board and ends the run with its status.
pub(crate) fn run_app(board: &Board) -> ! {
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(board) };
    crate::exit::exit(status)
}
