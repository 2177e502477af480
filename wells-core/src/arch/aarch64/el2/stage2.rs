//! Stage 2 on AArch64: the shared long-descriptor tables (`arch::hypervisor::stage2`) with a 39-bit IPA
//! space, tagged with a VMID in VTTBR_EL2.

use crate::arch::hypervisor::stage2::{MapError, Rights, Stage2Tables};
use core::arch::asm;

/// Bits of IPA the tables translate.
pub const IPA_BITS: u32 = 39;

/// VTCR_EL2: T0SZ = 64 - 39, start at level 1 (SL0 = 1), 4 KiB granule, 40-bit physical
/// addresses (PS = 2, what both the Cortex-A53 and A57 offer), inner shareable. Table walks are
/// non-cacheable: the hypervisor writes the tables with its own MMU (and so caches) off.
pub const VTCR: u64 = (64 - IPA_BITS as u64) | (1 << 6) | (0b11 << 12) | (0b010 << 16) | (1 << 31);

/// One VM's stage-2 tables and VMID.
pub struct Stage2 {
    tables: Stage2Tables,
    vmid: u8,
}

impl Stage2 {
    /// Empty tables (every access faults) tagged with `vmid`.
    pub fn new(vmid: u8) -> Stage2 {
        Stage2 { tables: Stage2Tables::new(IPA_BITS), vmid }
    }

    /// The VTTBR_EL2 value that selects these tables and VMID.
    pub fn vttbr(&self) -> u64 {
        self.tables.root_address() | ((self.vmid as u64) << 48)
    }

    /// Maps `[ipa, ipa + size)` to `[pa, pa + size)` with `rights` (see `Stage2Tables::map`).
    pub fn map(&mut self, ipa: usize, pa: usize, size: usize, rights: Rights) -> Result<(), MapError> {
        self.tables.map(ipa, pa, size, rights)?;
        // SAFETY: make the table writes visible to the table walker before any guest uses them.
        unsafe { asm!("dsb ishst", options(nostack)) };
        Ok(())
    }

    /// Forgets every cached translation of this VM (before its VMID is used again).
    pub fn flush(&self) {
        flush_vmid(self.vttbr());
    }
}

/// Makes `vttbr` (from [`Stage2::vttbr`]) the stage-2 translation of the guest that runs next.
pub fn activate(vttbr: u64) {
    // SAFETY: VTTBR_EL2 only affects EL1/EL0 translation; the tables it names are owned by a
    // live VM (the scheduler switches to it only while the VM exists).
    unsafe { asm!("msr vttbr_el2, {0}", "isb", in(reg) vttbr, options(nostack)) };
}

/// Invalidates the TLB entries of the VMID in `vttbr` (all stages), then restores the VTTBR
/// that was current.
fn flush_vmid(vttbr: u64) {
    // SAFETY: TLB maintenance for one VMID, with interrupts masked so no switch can change
    // VTTBR_EL2 in between; VTTBR_EL2 and DAIF are put back before returning.
    unsafe {
        asm!(
            "mrs {daif}, daif",
            "msr daifset, #2",
            "mrs {saved}, vttbr_el2",
            "msr vttbr_el2, {vttbr}",
            "isb",
            "tlbi vmalls12e1is",
            "dsb ish",
            "msr vttbr_el2, {saved}",
            "isb",
            "msr daif, {daif}",
            daif = out(reg) _,
            saved = out(reg) _,
            vttbr = in(reg) vttbr,
            options(nostack)
        )
    };
}

impl crate::arch::hypervisor::stage2::GuestTranslation for Stage2 {
    fn new(vmid: u8) -> Stage2 {
        Stage2::new(vmid)
    }

    fn map(&mut self, ipa: usize, pa: usize, size: usize, rights: Rights) -> Result<(), MapError> {
        Stage2::map(self, ipa, pa, size, rights)
    }

    fn token(&self) -> usize {
        self.vttbr() as usize
    }

    fn flush(&self) {
        Stage2::flush(self);
    }
}
