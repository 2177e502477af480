//! Stage 2 on ARMv7 (LPAE): the shared long-descriptor tables (`arch::hypervisor::stage2`) with a 32-bit
//! IPA space, tagged with a VMID in VTTBR.

use crate::arch::hypervisor::stage2::{MapError, Rights, Stage2Tables};
use core::arch::asm;

/// Bits of IPA the tables translate: guests of a 32-bit machine.
pub const IPA_BITS: u32 = 32;

/// VTCR: T0SZ = 0 (32-bit IPA), start at level 1 (SL0 = 1), inner shareable, non-cacheable
/// table walks (the hypervisor writes the tables with its MMU and caches off); bit 31 RES1.
pub const VTCR: u32 = (1 << 6) | (0b11 << 12) | (1 << 31);

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

    /// The scheduler's token for this VM: the root table's address (4 KiB aligned, below
    /// 4 GiB) with the VMID in its low byte; [`activate`] makes the VTTBR from it.
    pub fn token(&self) -> usize {
        self.tables.root_address() as usize | self.vmid as usize
    }

    /// Maps `[ipa, ipa + size)` to `[pa, pa + size)` with `rights` (see `Stage2Tables::map`).
    pub fn map(&mut self, ipa: usize, pa: usize, size: usize, rights: Rights) -> Result<(), MapError> {
        self.tables.map(ipa, pa, size, rights)?;
        // SAFETY: make the table writes visible to the table walker before any guest uses them.
        unsafe { asm!("dsb ishst", options(nostack)) };
        Ok(())
    }

    /// Forgets cached stage-1 and stage-2 translations of every VM (ARMv7 has no per-VMID
    /// invalidation from HYP but this one): before a VMID is used again.
    pub fn flush(&self) {
        // SAFETY: TLBIALLNSNHIS: TLB maintenance only.
        unsafe { asm!("mcr p15, 4, {0}, c8, c3, 4", "dsb ish", "isb", in(reg) 0u32, options(nostack)) };
    }
}

/// Makes the VM of `token` (from [`Stage2::token`]) the stage-2 translation of the guest that
/// runs next.
pub fn activate(token: usize) {
    let base = (token & !0xfff) as u32;
    let vmid = (token & 0xff) as u32;
    // SAFETY: VTTBR only affects PL1/PL0 translation; the tables it names are owned by a live VM
    // (the scheduler switches to it only while the VM exists).
    unsafe { asm!("mcrr p15, 6, {0}, {1}, c2", "isb", in(reg) base, in(reg) vmid << 16, options(nostack)) };
}

impl crate::arch::hypervisor::stage2::GuestTranslation for Stage2 {
    fn new(vmid: u8) -> Stage2 {
        Stage2::new(vmid)
    }

    fn map(&mut self, ipa: usize, pa: usize, size: usize, rights: Rights) -> Result<(), MapError> {
        Stage2::map(self, ipa, pa, size, rights)
    }

    fn token(&self) -> usize {
        Stage2::token(self)
    }

    fn flush(&self) {
        Stage2::flush(self);
    }
}
