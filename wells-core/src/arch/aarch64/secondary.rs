//! Where a secondary CPU starts (PSCI CPU_ON, `psci::Conduit::cpu_on`): at the level the
//! firmware entered the kernel at, MMU off, with a [`SecondaryStart`] in x0. A supervisor's
//! ([`entry_address`]) drops to EL1 as the boot CPU did (`boot::wells_aarch64_drop_to_el1`) and
//! calls the image's `main` there on its own stack, still with the MMU off: `main`'s first work
//! is [`SecondaryStart::enable_mmu`]. A hypervisor's ([`entry_address_el2`]) stays at EL2, where
//! QEMU's PSCI starts it, and calls `main` on its own stack (EL2 runs with its MMU off).

use core::arch::global_asm;

/// What the boot CPU hands a secondary, by address, in CPU_ON's context ID. The secondary reads
/// it with the MMU (and so the caches) off: [`SecondaryStart::publish`] writes it out to memory.
#[repr(C)]
pub struct SecondaryStart {
    /// The image's code at EL1: `main(entry_el, this block)`.
    pub main: extern "C" fn(u64, &'static SecondaryStart) -> !,
    /// Top of the secondary's stack (16-byte aligned).
    pub stack_top: usize,
    /// TTBR0_EL1 of the kernel's address space, which the secondary shares (0 at EL2).
    pub ttbr: u64,
    /// The CPU's number (MPIDR Aff0).
    pub cpu: usize,
}

extern "C" {
    /// The entry given to CPU_ON.
    fn wells_aarch64_secondary_entry() -> !;
    /// The same for a hypervisor: no drop, `main(2, block)` at EL2.
    fn wells_aarch64_secondary_entry_el2() -> !;
}

/// The physical address of the secondary entry (the kernel is identity-mapped).
pub fn entry_address() -> usize {
    wells_aarch64_secondary_entry as *const () as usize
}

/// The physical address of the secondary entry that stays at EL2.
pub fn entry_address_el2() -> usize {
    wells_aarch64_secondary_entry_el2 as *const () as usize
}

impl SecondaryStart {
    /// Makes the block and the stack below `stack_top` (`stack_size` bytes) visible to a CPU
    /// whose MMU and caches are off: both are cleaned and invalidated to the point of coherency,
    /// so no dirty line of ours overwrites what the secondary writes to its stack before its
    /// MMU is on.
    pub fn publish(&self, stack_size: usize) {
        clean_invalidate(self as *const SecondaryStart as usize, core::mem::size_of::<SecondaryStart>());
        clean_invalidate(self.stack_top - stack_size, stack_size);
    }

    /// Turns the MMU on with the kernel's tables (what the boot CPU set up).
    ///
    /// # Safety
    /// Only on the secondary this block started, once, before any other memory use than its
    /// stack: the tables map the code, the stack and the devices.
    pub unsafe fn enable_mmu(&self) {
        // SAFETY: the caller's contract; the same tables the boot CPU runs on.
        unsafe { super::el1::mmu::enable_ttbr(self.ttbr) };
    }
}

/// `dc civac` over a range: the lines go to memory and leave every cache.
fn clean_invalidate(start: usize, size: usize) {
    const LINE: usize = 64;
    let mut line = start & !(LINE - 1);
    while line < start + size {
        // SAFETY: cache maintenance by address on memory the kernel maps; no data changes.
        unsafe { core::arch::asm!("dc civac, {0}", in(reg) line, options(nostack)) };
        line += LINE;
    }
    // SAFETY: a barrier only.
    unsafe { core::arch::asm!("dsb sy", options(nostack)) };
}

global_asm!(
    // x0 = the SecondaryStart. x22 survives the drop (which uses x9, x19..x21).
    ".section .text.wells_aarch64_secondary_entry",
    ".global wells_aarch64_secondary_entry",
    ".balign 8",
    "wells_aarch64_secondary_entry:",
    "    mov x22, x0",
    "    adr x0, wells_aarch64_secondary_el1",
    "    ldr x1, [x22, #8]",            // stack_top
    "    b wells_aarch64_drop_to_el1",
    // At EL1 on the stack, x0 = entry level: main(entry_el, block).
    "wells_aarch64_secondary_el1:",
    "    mov x1, x22",
    "    ldr x9, [x22, #0]",            // main
    "    br x9",
    "",
    // At EL2 (a hypervisor's secondary): its own SP_EL2, then main(2, block).
    ".section .text.wells_aarch64_secondary_entry_el2",
    ".global wells_aarch64_secondary_entry_el2",
    ".balign 8",
    "wells_aarch64_secondary_entry_el2:",
    "    msr spsel, #1",
    "    ldr x9, [x0, #8]",             // stack_top
    "    mov sp, x9",
    "    mov x1, x0",
    "    mov x0, #2",
    "    ldr x9, [x1, #0]",             // main
    "    br x9",
);
