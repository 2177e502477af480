//! The image's entry on AArch64: `_start`, where QEMU (or a boot loader) jumps at whatever level
//! it entered at (EL3, EL2 or EL1), with the MMU off.
//!
//! One straight line: the boot stack, `.bss` cleared, the image's `at_entry(entry_el)` (what
//! must happen at the entry level before leaving it: with QEMU `secure=on` only EL3 may hand
//! interrupts to the non-secure world), then `enter_level(level_main, boot stack top)`: the
//! level's way up ([`super::boot`]: drop to EL1 for a supervisor, establish EL2 for a
//! hypervisor), which calls `level_main(entry_el)` at the level, on the boot stack. From there
//! the image brings up the kernel and its domains and never comes back.
//!
//! The image's linker script gives `__boot_stack_top`, `__bss_start` and `__bss_end` (8-byte
//! aligned). The image instantiates the entry once with [`crate::aarch64_start`].

/// Defines `_start` (section `.text.boot`) in the image that invokes it: see [`self`].
///
/// - `at_entry`: `extern "C" fn(entry_el: u64)`, run at the entry level on the boot stack;
/// - `enter`: `extern "C" fn(level_main, stack: usize) -> !`, the way to the image's level;
/// - `main`: `extern "C" fn(entry_el: u64) -> !`, the image at its level.
#[macro_export]
macro_rules! aarch64_start {
    (at_entry: $at_entry:path, enter: $enter:path, main: $main:path $(,)?) => {
        ::core::arch::global_asm!(
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
            "    bl {at_entry}",
            "    ldr x0, ={main}",
            "    ldr x1, =__boot_stack_top",
            "    b {enter}",
            at_entry = sym $at_entry,
            main = sym $main,
            enter = sym $enter,
        );
    };
}
