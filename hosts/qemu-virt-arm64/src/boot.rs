//! From reset to `app_main`: boot stack, .bss, secure GIC set-up when entered at EL3, drop to
//! EL1, heap, vectors, console, interrupt controller, timer.

use crate::board::{Board, GIC, HEAP, UART, VIRTUAL_TIMER};
use crate::trap;
use core::arch::global_asm;
use wells_core::arch::aarch64::{boot::wells_aarch64_drop_to_el1, set_trap_handler};

extern "Rust" {
    /// The application: the test runner or the demo. Returns the exit status.
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
    "    bl wells_board_at_entry_level",
    "    ldr x0, =wells_board_el1_main",
    "    ldr x1, =__boot_stack_top",
    "    b wells_aarch64_drop_to_el1",
);

/// Runs at the entry level before the drop: with `secure=on` only the secure world may hand
/// interrupts to the non-secure one.
#[no_mangle]
extern "C" fn wells_board_at_entry_level(entry_el: u64) {
    if entry_el == 3 {
        GIC.hand_interrupts_to_non_secure();
    }
}

#[no_mangle]
extern "C" fn wells_board_el1_main(entry_el: u64) -> ! {
    set_trap_handler(trap::handle);
    UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    crate::memory::enable_mmu();
    GIC.init(VIRTUAL_TIMER);
    crate::exit::detect(entry_el as u8);
    let board = Board::new(entry_el as u8);
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    crate::exit::exit(status)
}

// Keeps the symbol referenced so the linker does not drop the drop routine.
#[used]
static DROP_TO_EL1: unsafe extern "C" fn(extern "C" fn(u64) -> !, usize) -> ! = wells_aarch64_drop_to_el1;
