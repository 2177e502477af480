//! From reset to `app_main`: vector table, .data/.bss, thread mode moved to the boot stack on
//! PSP (MSP stays for handlers), exception priorities, console, heap, SysTick, MPU.

use crate::board::{Board, HEAP};
use crate::trap;
use core::arch::global_asm;
use wells_core::arch::armv7m::{self, set_fault_handler, set_trap_handler};

extern "Rust" {
    /// The application: the test runner or the demo. Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

global_asm!(
    ".syntax unified",
    ".section .vectors,\"a\",%progbits",
    ".global wells_vectors",
    "wells_vectors:",
    "    .word __handler_stack_top",
    "    .word wells_reset",
    "    .word wells_armv7m_fault",      // NMI
    "    .word wells_armv7m_fault",      // HardFault
    "    .word wells_armv7m_fault",      // MemManage
    "    .word wells_armv7m_fault",      // BusFault
    "    .word wells_armv7m_fault",      // UsageFault
    "    .word 0, 0, 0, 0",
    "    .word wells_armv7m_svcall",     // SVCall
    "    .word wells_armv7m_fault",      // DebugMonitor
    "    .word 0",
    "    .word wells_armv7m_pendsv",     // PendSV
    "    .word wells_board_systick",     // SysTick
    "    .rept 32",
    "    .word wells_armv7m_fault",      // external interrupts: none enabled
    "    .endr",
    "",
    ".section .text.wells_reset,\"ax\",%progbits",
    ".global wells_reset",
    ".thumb_func",
    "wells_reset:",
    "    cpsid i",
    "    ldr r0, =__data_start",
    "    ldr r1, =__data_end",
    "    ldr r2, =__data_load",
    "1:  cmp r0, r1",
    "    bhs 2f",
    "    ldr r3, [r2], #4",
    "    str r3, [r0], #4",
    "    b 1b",
    "2:  ldr r0, =__bss_start",
    "    ldr r1, =__bss_end",
    "    movs r3, #0",
    "3:  cmp r0, r1",
    "    bhs 4f",
    "    str r3, [r0], #4",
    "    b 3b",
    "4:  ldr r0, =__boot_stack_top",
    "    msr psp, r0",
    "    movs r0, #2",                   // SPSEL: thread mode on PSP
    "    msr control, r0",
    "    isb",
    "    cpsie i",
    "    bl wells_board_main",
    "    udf #0",
    ".ltorg",
);

#[no_mangle]
extern "C" fn wells_board_main() -> ! {
    armv7m::init_exceptions();
    set_trap_handler(trap::handle);
    set_fault_handler(trap::kernel_fault);
    crate::board::UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    crate::board::systick_start();
    #[cfg(not(feature = "no-mpu"))]
    crate::tasks::mpu_init();
    let board = Board::new();
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    wells_core::arch::armv7m::semihosting::exit(status)
}
