//! Establishing SVC mode from whatever mode the CPU was entered in.
//!
//! Entered in HYP mode (QEMU `virt,virtualization=on`): HYP is configured only as far as needed
//! to leave it — no traps of PL1 (HCR, HSTR, HCPTR all clear), PL1 gets the physical counter and
//! timer (CNTHCTL.PL1PCTEN | PL1PCEN), virtual time = physical time (CNTVOFF = 0), no stage 2
//! (VTTBR = 0) — and the CPU drops to SVC by an exception return. Entered in SVC: nothing to do.
//! Then the stacks of the exception modes are set (ABT and UND get the emergency stacks kernel
//! faults are reported on; IRQ and FIQ a small one, since their handlers move to SVC at once).

use core::arch::global_asm;

extern "C" {
    /// Drops to SVC and calls `continuation(entry_mode)` there on `stack` (`entry_mode` is the
    /// CPSR mode field at entry: 0x13 SVC, 0x1a HYP). Never returns.
    pub fn wells_arm_establish_svc(continuation: extern "C" fn(u32) -> !, stack: usize) -> !;
}

global_asm!(
    ".section .text.wells_arm_establish_svc",
    ".arm",
    ".arch_extension virt",
    ".global wells_arm_establish_svc",
    "wells_arm_establish_svc:",
    "    mov r4, r0",                   // continuation
    "    mov r5, r1",                   // SVC stack
    "    mrs r6, cpsr",
    "    and r6, r6, #0x1f",            // entry mode, passed to the continuation
    "    cmp r6, #0x1a",
    "    bne 2f",
    // HYP: PL1 runs untrapped, owns the counter/timer, virtual time = physical time.
    "    mov r0, #0",
    "    mcr p15, 4, r0, c1, c1, 0",    // HCR = 0
    "    mcr p15, 4, r0, c1, c1, 3",    // HSTR = 0
    "    movw r0, #0x33ff",
    "    mcr p15, 4, r0, c1, c1, 2",    // HCPTR: no coprocessor traps
    "    mrc p15, 4, r0, c14, c1, 0",
    "    orr r0, r0, #3",
    "    mcr p15, 4, r0, c14, c1, 0",   // CNTHCTL: PL1PCTEN | PL1PCEN
    "    mov r0, #0",
    "    mov r1, #0",
    "    mcrr p15, 4, r0, r1, c14",     // CNTVOFF = 0
    "    mcrr p15, 6, r0, r1, c2",      // VTTBR = 0
    "    movw r0, #0x1d3",              // SVC, A I F masked, A32
    "    msr spsr_hyp, r0",
    "    adr r0, 2f",
    "    msr elr_hyp, r0",
    "    isb",
    "    eret",
    "2:",
    "    cpsid aif, #0x17",             // ABT
    "    ldr sp, =wells_arm_abort_stack_top",
    "    cps #0x1b",                    // UND
    "    ldr sp, =wells_arm_undefined_stack_top",
    "    cps #0x12",                    // IRQ
    "    ldr sp, =wells_arm_irq_stack_top",
    "    cps #0x11",                    // FIQ
    "    ldr sp, =wells_arm_irq_stack_top",
    "    cps #0x13",                    // SVC
    "    mov sp, r5",
    "    mov r0, r6",
    "    bx r4",
    ".ltorg",
    ".section .bss.wells_arm_mode_stacks, \"aw\", %nobits",
    ".balign 16",
    "    .space 16384",
    "wells_arm_abort_stack_top:",
    "    .space 16384",
    "wells_arm_undefined_stack_top:",
    "    .space 1024",
    "wells_arm_irq_stack_top:",
);
