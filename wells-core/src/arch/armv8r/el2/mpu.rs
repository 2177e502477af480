//! The EL2 MPU of ARMv8-R AArch32 (PMSAv8-32 at EL2): regions written through HPRSELR +
//! HPRBAR/HPRLAR (QEMU 10 aliases the direct `HPRBAR<n>` accessors for n ≥ 16 onto 0..7, so the
//! selector is the one reliable way), enabled as a mask through HPRENR. The same region format
//! as the EL1 MPU ([`crate::arch::armv8r::mpu::Region`]); its `user` right means "EL1 and EL0
//! may access it" — a partition's region — while one without it is EL2's alone.
//!
//! With HCR.VM these regions are the second stage of every EL1/EL0 access: the hypervisor keeps
//! only its own regions and the running partition's enabled ([`set_enabled`] on every partition
//! switch), so a guest reaches nothing of another partition even where the regions would allow
//! it. EL2 itself keeps the background map (HSCTLR.BR) for what no enabled region covers.

use crate::arch::armv8r::mpu::Region;
use core::arch::asm;

/// HMAIR0 attribute indexes, as the EL1 MPU's: 0 = Normal write-back, 1 = Device-nGnRE.
const HMAIR0: u32 = 0x04ff;

/// HSCTLR: RES1 bits, instruction cache on, the EL2 MPU on (M) with the background map for EL2
/// (BR), exceptions taken in A32.
const HSCTLR: u32 = 0x30c5_1830 | 1 | (1 << 17);

/// Number of EL2 MPU regions (HMPUIR.REGION).
pub fn regions() -> u32 {
    let hmpuir: u32;
    // SAFETY: reads HMPUIR.
    unsafe { asm!("mrc p15, 4, {0}, c0, c0, 4", out(reg) hmpuir, options(nomem, nostack)) };
    hmpuir & 0xff
}

/// Writes EL2 region `number` as `region`, left disabled (its HPRENR bit says when it counts).
/// None when it cannot be encoded.
pub fn write(number: u32, region: &Region) -> Option<()> {
    let (prbar, prlar) = region.encode()?;
    // SAFETY: HPRSELR selects the region, HPRLAR (enable bit clear first, so no half-written
    // region is ever in force) and HPRBAR describe it; HPRENR decides whether it applies.
    unsafe {
        asm!(
            "dsb",
            "mcr p15, 4, {n}, c6, c2, 1",
            "isb",
            "mcr p15, 4, {off}, c6, c3, 1",
            "mcr p15, 4, {b}, c6, c3, 0",
            "mcr p15, 4, {l}, c6, c3, 1",
            "dsb",
            "isb",
            n = in(reg) number, off = in(reg) 0u32, b = in(reg) prbar, l = in(reg) prlar & !1,
            options(nostack)
        )
    };
    Some(())
}

/// Makes exactly the regions of `mask` (bit n: region n) count.
pub fn set_enabled(mask: u32) {
    // SAFETY: HPRENR only switches regions written before; barriers order it with the accesses
    // around it.
    unsafe { asm!("dsb", "mcr p15, 4, {0}, c6, c1, 1", "dsb", "isb", in(reg) mask, options(nostack)) };
}

/// The regions that count now (HPRENR).
pub fn enabled() -> u32 {
    let mask: u32;
    // SAFETY: reads HPRENR.
    unsafe { asm!("mrc p15, 4, {0}, c6, c1, 1", out(reg) mask, options(nomem, nostack)) };
    mask
}

/// Sets the attributes and turns the EL2 MPU on (with the background map for EL2).
///
/// # Safety
/// In HYP mode; what the hypervisor runs on must be in an enabled region or the background map.
pub unsafe fn enable() {
    // SAFETY: the caller's contract; HMAIR0 only gives the regions' attribute indexes meaning.
    unsafe {
        asm!(
            "mcr p15, 4, {mair}, c10, c2, 0",
            "dsb",
            "mcr p15, 4, {hsctlr}, c1, c0, 0",
            "isb",
            mair = in(reg) HMAIR0, hsctlr = in(reg) HSCTLR,
            options(nostack)
        )
    };
}
