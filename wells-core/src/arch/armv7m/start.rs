//! The image's entry on ARMv7-M: the vector table (section `.vectors`, which the board's linker
//! script puts at the start of flash) and the reset handler.
//!
//! One straight line: interrupts masked, `.data` copied from flash, `.bss` cleared, thread mode
//! moved to the boot stack on PSP (MSP, from the table's first word, stays for handlers),
//! interrupts unmasked, then the image's `main` in privileged thread mode, which brings up the
//! kernel and its domains and never comes back.
//!
//! The table holds the port's handlers (`exceptions.rs`: faults, SVCall, PendSV), the board's
//! SysTick handler and, for each of the board's external interrupts, the fault handler (none is
//! enabled). The image's linker script gives `__handler_stack_top`, `__boot_stack_top`,
//! `__data_start`, `__data_end`, `__data_load`, `__bss_start` and `__bss_end` (4-byte aligned).
//! The image instantiates the entry once with [`crate::armv7m_start`].

/// Defines the vector table `wells_vectors` and the reset handler `wells_reset` in the image that
/// invokes it: see [`self`].
///
/// - `systick`: `extern "C" fn()`, the board's SysTick handler;
/// - `external_interrupts`: how many external interrupt vectors the board's NVIC has;
/// - `main`: `extern "C" fn() -> !`, the image in privileged thread mode on the boot stack.
#[macro_export]
macro_rules! armv7m_start {
    (systick: $systick:path, external_interrupts: $irqs:expr, main: $main:path $(,)?) => {
        ::core::arch::global_asm!(
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
            "    .word {systick}",               // SysTick
            "    .rept {irqs}",
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
            "    bl {main}",
            "    udf #0",
            ".ltorg",
            systick = sym $systick,
            irqs = const $irqs,
            main = sym $main,
        );
    };
}
