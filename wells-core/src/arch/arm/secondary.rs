//! Where a secondary CPU starts (PSCI CPU_ON, `psci::Conduit::cpu_on`): in the mode the
//! firmware entered the kernel in, MMU off, with a [`SecondaryStart`] in r0. It establishes SVC
//! as the boot CPU did (`boot::wells_arm_establish_svc`, which also leaves HYP when entered
//! there) and calls the image's `main` in SVC on its own stack, still with the MMU off: `main`
//! first gives the exception modes their own stacks ([`SecondaryStart::own_mode_stacks`]) and
//! then turns on the MMU ([`SecondaryStart::enable_mmu`]). A hypervisor's secondary
//! ([`HypSecondaryStart`], [`entry_address_hyp`]) stays in HYP, where QEMU's PSCI starts it: HYP
//! has one stack pointer and runs with its MMU off, so it needs only a stack.

use super::pl1::mmu::{self, AddressSpace};
use core::arch::{asm, global_asm};

/// What the boot CPU hands a secondary, by address, in CPU_ON's context ID. The secondary reads
/// it with the MMU (and so the caches) off: [`SecondaryStart::publish`] writes it out to memory.
#[repr(C)]
pub struct SecondaryStart {
    /// The image's code in SVC: `main(entry_mode, this block)`.
    pub main: extern "C" fn(u32, &'static SecondaryStart) -> !,
    /// Top of the secondary's SVC stack (8-byte aligned).
    pub svc_stack_top: usize,
    /// Tops of its ABT and UND stacks (where kernel faults are reported) and of the stack its
    /// IRQ and FIQ entries use for the few words they save before moving to SVC.
    pub abort_stack_top: usize,
    pub undefined_stack_top: usize,
    pub irq_stack_top: usize,
    /// The kernel's address space, which the secondary shares.
    pub space: &'static AddressSpace,
    /// The CPU's number (MPIDR Aff0).
    pub cpu: usize,
}

/// What the boot CPU hands a hypervisor's secondary, by address, in CPU_ON's context ID (read
/// with caches off: [`HypSecondaryStart::publish`]).
#[repr(C)]
pub struct HypSecondaryStart {
    /// The image's code in HYP: `main(mode::HYP, this block)`.
    pub main: extern "C" fn(u32, &'static HypSecondaryStart) -> !,
    /// Top of the secondary's HYP stack (8-byte aligned).
    pub stack_top: usize,
    /// The CPU's number (MPIDR Aff0).
    pub cpu: usize,
}

impl HypSecondaryStart {
    /// Makes the block and the stack below `stack_top` (`stack_size` bytes) visible to a CPU
    /// whose caches are off.
    pub fn publish(&self, stack_size: usize) {
        clean_invalidate(self as *const HypSecondaryStart as usize, core::mem::size_of::<HypSecondaryStart>());
        clean_invalidate(self.stack_top - stack_size, stack_size);
    }
}

extern "C" {
    /// The entry given to CPU_ON.
    fn wells_arm_secondary_entry() -> !;
    /// The same for a hypervisor: it stays in HYP.
    fn wells_arm_secondary_entry_hyp() -> !;
}

/// The physical address of the secondary entry (the kernel is identity-mapped).
pub fn entry_address() -> usize {
    wells_arm_secondary_entry as *const () as usize
}

/// The physical address of the secondary entry that stays in HYP.
pub fn entry_address_hyp() -> usize {
    wells_arm_secondary_entry_hyp as *const () as usize
}

impl SecondaryStart {
    /// Makes the block and the stacks (each `stack_size` bytes below its top) visible to a CPU
    /// whose MMU and caches are off: cleaned and invalidated to the point of coherency, so no
    /// dirty line of ours overwrites what the secondary writes before its MMU is on.
    pub fn publish(&self, stack_size: usize) {
        clean_invalidate(self as *const SecondaryStart as usize, core::mem::size_of::<SecondaryStart>());
        for top in [self.svc_stack_top, self.abort_stack_top, self.undefined_stack_top, self.irq_stack_top] {
            clean_invalidate(top - stack_size, stack_size);
        }
    }

    /// Points the banked stack pointers of ABT, UND, IRQ and FIQ at this CPU's own stacks
    /// (`wells_arm_establish_svc` gave it the boot CPU's).
    ///
    /// # Safety
    /// In SVC with interrupts masked, on the secondary this block started, before anything can
    /// trap: the stacks must be this CPU's alone.
    pub unsafe fn own_mode_stacks(&self) {
        // SAFETY: the caller's contract; each `cps` changes only which SP is banked in, and the
        // CPU is back in SVC (its own SP untouched) at the end.
        unsafe {
            asm!(
                "cps #0x17",
                "mov sp, {abt}",
                "cps #0x1b",
                "mov sp, {und}",
                "cps #0x12",
                "mov sp, {irq}",
                "cps #0x11",
                "mov sp, {irq}",
                "cps #0x13",
                abt = in(reg) self.abort_stack_top,
                und = in(reg) self.undefined_stack_top,
                irq = in(reg) self.irq_stack_top,
                options(nomem, nostack)
            )
        };
    }

    /// Turns the MMU on with the kernel's tables (what the boot CPU set up).
    ///
    /// # Safety
    /// Only on the secondary this block started, once, before any other memory use than its
    /// stacks: the tables map the code, the stacks and the devices.
    pub unsafe fn enable_mmu(&self) {
        // SAFETY: the caller's contract; the same tables the boot CPU runs on.
        unsafe { mmu::enable(self.space) };
    }
}

/// DCCIMVAC over a range: the lines go to memory and leave every cache.
fn clean_invalidate(start: usize, size: usize) {
    const LINE: usize = 64;
    let mut line = start & !(LINE - 1);
    while line < start + size {
        // SAFETY: cache maintenance by address on memory the kernel maps; no data changes.
        unsafe { asm!("mcr p15, 0, {0}, c7, c14, 1", in(reg) line, options(nostack)) };
        line += LINE;
    }
    // SAFETY: a barrier only.
    unsafe { asm!("dsb", options(nostack)) };
}

global_asm!(
    // r0 = the SecondaryStart. r7 survives `wells_arm_establish_svc` (it uses r0, r1, r4..r6).
    ".section .text.wells_arm_secondary_entry",
    ".arm",
    ".global wells_arm_secondary_entry",
    ".balign 4",
    "wells_arm_secondary_entry:",
    "    cpsid aif",
    "    mov r7, r0",
    "    adr r0, wells_arm_secondary_svc",
    "    ldr r1, [r7, #4]",             // svc_stack_top
    "    b wells_arm_establish_svc",
    // In SVC on its stack, r0 = entry mode: main(entry_mode, block).
    "wells_arm_secondary_svc:",
    "    mov r1, r7",
    "    ldr r2, [r7, #0]",             // main
    "    bx r2",
    "",
    // r0 = the HypSecondaryStart: its stack, then main(HYP, block) in HYP.
    ".section .text.wells_arm_secondary_entry_hyp",
    ".arm",
    ".global wells_arm_secondary_entry_hyp",
    ".balign 4",
    "wells_arm_secondary_entry_hyp:",
    "    cpsid aif",
    "    ldr sp, [r0, #4]",             // stack_top
    "    mov r1, r0",
    "    mov r0, #0x1a",                // mode::HYP
    "    ldr r2, [r1, #0]",             // main
    "    bx r2",
);
