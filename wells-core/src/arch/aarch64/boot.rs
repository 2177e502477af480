//! Establishing EL1 (a supervisor) or EL2 (a hypervisor) from whatever level the CPU was
//! entered at.
//!
//! Entered at EL3 (QEMU `secure=on`): the non-secure world is made AArch64 with EL2 enabled and
//! the CPU drops to EL2. Entered at EL2 (`virtualization=on`, or from EL3): EL1 is made AArch64,
//! given the physical counter and timer, an identity virtual-counter offset and no FP traps, and
//! the CPU drops to EL1. Each level is configured only as far as needed to leave it; interrupt
//! controller set-up that needs the secure world is the board's business before this runs.

use core::arch::global_asm;

extern "C" {
    /// Drops to EL1 and calls `continuation(entry_el)` there on `stack`. Never returns.
    pub fn wells_aarch64_drop_to_el1(continuation: extern "C" fn(u64) -> !, stack: usize) -> !;
    /// For a hypervisor: drops from EL3 to EL2 when entered at EL3, then calls
    /// `continuation(entry_el)` on `stack` at EL2 (or at EL1 when the CPU has no EL2 to offer:
    /// the continuation must check `current_el`). Never returns.
    pub fn wells_aarch64_establish_el2(continuation: extern "C" fn(u64) -> !, stack: usize) -> !;
}

global_asm!(
    // Called with `bl` at EL3: the non-secure world becomes AArch64 with EL2 enabled (HVC on,
    // SMC left to EL3) and the call returns at EL2h with interrupts masked. SP_EL2 is not set.
    ".section .text.wells_aarch64_leave_el3",
    "wells_aarch64_leave_el3:",
    "    mov x9, #(1 << 0)",            // NS
    "    orr x9, x9, #(1 << 8)",        // HCE
    "    orr x9, x9, #(1 << 10)",       // RW
    "    msr scr_el3, x9",
    "    msr cptr_el3, xzr",
    "    msr mdcr_el3, xzr",
    "    mov x9, #0x3c9",               // EL2h, DAIF masked
    "    msr spsr_el3, x9",
    "    msr elr_el3, x30",
    "    isb",
    "    eret",
    "",
    ".section .text.wells_aarch64_establish_el2",
    ".global wells_aarch64_establish_el2",
    "wells_aarch64_establish_el2:",
    "    mov x19, x0",
    "    mov x20, x1",
    "    mrs x21, CurrentEL",
    "    lsr x21, x21, #2",
    "    cmp x21, #3",
    "    b.ne 1f",
    "    bl wells_aarch64_leave_el3",
    "1:  mov sp, x20",
    "    mov x0, x21",
    "    br x19",
    "",
    ".section .text.wells_aarch64_drop_to_el1",
    ".global wells_aarch64_drop_to_el1",
    "wells_aarch64_drop_to_el1:",
    "    mov x19, x0",                 // continuation
    "    mov x20, x1",                 // EL1 stack
    "    mrs x21, CurrentEL",
    "    lsr x21, x21, #2",            // entry level, passed to the continuation
    "    cmp x21, #3",
    "    b.ne 2f",
    "    bl wells_aarch64_leave_el3",
    "2:",
    "    mrs x9, CurrentEL",
    "    lsr x9, x9, #2",
    "    cmp x9, #2",
    "    b.ne 3f",
    // EL2: EL1 is AArch64, owns the physical timer, sees virtual time = physical time.
    "    mov x9, #(1 << 31)",           // HCR_EL2.RW
    "    msr hcr_el2, x9",
    "    mrs x9, cnthctl_el2",
    "    orr x9, x9, #3",               // EL1PCTEN | EL1PCEN
    "    msr cnthctl_el2, x9",
    "    msr cntvoff_el2, xzr",
    "    mov x9, #0x33ff",              // CPTR_EL2: no FP/SIMD traps
    "    msr cptr_el2, x9",
    "    msr hstr_el2, xzr",
    "    msr vttbr_el2, xzr",
    "    mov x9, #0x0800",              // SCTLR_EL1: RES1 bits, MMU and caches off
    "    movk x9, #0x30d0, lsl #16",
    "    msr sctlr_el1, x9",
    "    mov x9, #0x3c5",               // EL1h, DAIF masked
    "    msr spsr_el2, x9",
    "    adr x9, 3f",
    "    msr elr_el2, x9",
    "    isb",
    "    eret",
    "3:",
    // EL1.
    "    mov x9, #(1 << 20)",           // CPACR_EL1.FPEN = 01: FP/SIMD traps at EL0 only
    "    msr cpacr_el1, x9",
    "    isb",
    "    mov sp, x20",
    "    mov x0, x21",
    "    br x19",
);
