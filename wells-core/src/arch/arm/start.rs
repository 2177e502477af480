//! The image's entry on AArch32 (ARMv7-A, and ARMv8-R AArch32): `_start`, where QEMU jumps in
//! whatever mode it entered in (SVC, or HYP / EL2), with the MMU or MPU off.
//!
//! One straight line: interrupts masked, the boot stack, `.bss` cleared, the image's
//! `at_entry(entry_mode)` (what the board needs done in the entry mode), then
//! `enter_level(level_main, boot stack top)`: the level's way up ([`super::boot`]: establish SVC
//! for a supervisor; a hypervisor stays in HYP), which calls `level_main(entry_mode)` at the
//! level, on the boot stack. From there the image brings up the kernel and its domains and never
//! comes back.
//!
//! The image's linker script gives `__boot_stack_top`, `__bss_start` and `__bss_end` (4-byte
//! aligned). The image instantiates the entry once with [`crate::arm_start`].

/// Defines `_start` (A32, section `.text.boot`) in the image that invokes it: see [`self`].
///
/// - `at_entry`: `extern "C" fn(entry_mode: u32)`, run in the entry mode on the boot stack;
/// - `enter`: `extern "C" fn(level_main, stack: usize) -> !`, the way to the image's level;
/// - `main`: `extern "C" fn(entry_mode: u32) -> !`, the image at its level.
#[macro_export]
macro_rules! arm_start {
    (at_entry: $at_entry:path, enter: $enter:path, main: $main:path $(,)?) => {
        ::core::arch::global_asm!(
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
            "    bl {at_entry}",
            "    ldr r0, ={main}",
            "    ldr r1, =__boot_stack_top",
            "    b {enter}",
            ".ltorg",
            at_entry = sym $at_entry,
            main = sym $main,
            enter = sym $enter,
        );
    };
}
