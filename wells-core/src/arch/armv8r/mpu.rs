//! The EL1 MPU of ARMv8-R AArch32 (PMSAv8-32): regions given by base and limit with 64-byte
//! granularity (no power-of-two sizes), selected through PRSELR and written through
//! PRBAR/PRLAR; memory attributes from MAIR0. Regions may not overlap (an address in two
//! regions faults), and with SCTLR.BR clear an address in no region faults at EL1 as well as
//! at EL0, so the kernel too gets exactly what its regions give it.
//!
//! Regions `0..TASK_FIRST` are the kernel's fixed map (set once by the board); regions
//! `TASK_FIRST..TASK_FIRST + TASK_REGIONS` belong to the running task and are rewritten by
//! [`activate`] when the scheduler moves to another domain.

use core::arch::asm;

/// First region number used for the running task.
pub const TASK_FIRST: u32 = 8;
/// Regions a task may have.
pub const TASK_REGIONS: usize = 4;
/// Region granularity (bytes).
pub const GRANULE: usize = 64;

/// MAIR0 attribute indexes: 0 = Normal write-back, 1 = Device-nGnRE.
const MAIR0: u32 = 0x04ff;
const ATTR_NORMAL: u32 = 0;
const ATTR_DEVICE: u32 = 1;

/// A region: `[start, end)` (both 64-byte aligned) and what it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
    /// EL0 may access it (with the same rights as EL1).
    pub user: bool,
    pub writable: bool,
    pub executable: bool,
    /// Device memory (MMIO) rather than Normal memory.
    pub device: bool,
}

impl Region {
    /// PRBAR and PRLAR values, or None when the bounds are not 64-byte aligned or empty.
    pub fn encode(&self) -> Option<(u32, u32)> {
        if !self.start.is_multiple_of(GRANULE) || !self.end.is_multiple_of(GRANULE) || self.end <= self.start {
            return None;
        }
        // AP[2:1]: 00 EL1 RW, 01 EL1+EL0 RW, 10 EL1 RO, 11 EL1+EL0 RO.
        let ap = match (self.user, self.writable) {
            (false, true) => 0b00,
            (true, true) => 0b01,
            (false, false) => 0b10,
            (true, false) => 0b11,
        };
        // SH[1:0] = 11 inner shareable for Normal memory.
        let shareable = if self.device { 0 } else { 0b11 << 3 };
        let xn = u32::from(!self.executable);
        let prbar = self.start as u32 | shareable | (ap << 1) | xn;
        let attr = if self.device { ATTR_DEVICE } else { ATTR_NORMAL };
        let prlar = ((self.end - 1) as u32 & !0x3f) | (attr << 1) | 1;
        Some((prbar, prlar))
    }
}

/// A task's regions, already encoded (unused entries are disabled); its address is the domain's
/// space token.
#[derive(Debug, Clone, Default)]
pub struct RegionSet([(u32, u32); TASK_REGIONS]);

impl RegionSet {
    /// At most [`TASK_REGIONS`] regions; None when there are more or one cannot be encoded.
    pub fn new(regions: &[Region]) -> Option<RegionSet> {
        if regions.len() > TASK_REGIONS {
            return None;
        }
        let mut set = RegionSet::default();
        for (slot, region) in set.0.iter_mut().zip(regions) {
            *slot = region.encode()?;
        }
        Some(set)
    }
}

/// Rewrites region `number`: disabled first, so that no mix of its old limit and new base
/// (which could overlap another region and fault) is ever in force.
fn write_region(number: u32, prbar: u32, prlar: u32) {
    // SAFETY: PRSELR selects a region, PRBAR/PRLAR describe it; the caller decides which.
    unsafe {
        asm!(
            "mcr p15, 0, {n}, c6, c2, 1",
            "isb",
            "mcr p15, 0, {off}, c6, c3, 1",
            "isb",
            "mcr p15, 0, {b}, c6, c3, 0",
            "mcr p15, 0, {l}, c6, c3, 1",
            n = in(reg) number, off = in(reg) 0u32, b = in(reg) prbar, l = in(reg) prlar,
            options(nostack)
        )
    };
}

/// Number of EL1 MPU regions (MPUIR.REGION).
pub fn regions() -> u32 {
    let mpuir: u32;
    // SAFETY: reads MPUIR.
    unsafe { asm!("mrc p15, 0, {0}, c0, c0, 4", out(reg) mpuir, options(nomem, nostack)) };
    (mpuir >> 8) & 0xff
}

/// Writes fixed region `number` (below [`TASK_FIRST`]); None when it cannot be encoded.
pub fn set_fixed(number: u32, region: &Region) -> Option<()> {
    if number >= TASK_FIRST {
        return None;
    }
    let (prbar, prlar) = region.encode()?;
    write_region(number, prbar, prlar);
    Some(())
}

/// Turns fixed region `number` (below [`TASK_FIRST`]) off, after the accesses made through it.
pub fn clear_fixed(number: u32) {
    if number >= TASK_FIRST {
        return;
    }
    // SAFETY: a barrier: the accesses through the region complete before it goes.
    unsafe { asm!("dsb", options(nostack)) };
    write_region(number, 0, 0);
    // SAFETY: makes the change apply to the next instruction.
    unsafe { asm!("dsb", "isb", options(nostack)) };
}

/// Sets the memory attributes and turns the MPU on: no background region (SCTLR.BR clear, so
/// EL1 is held to its regions too), writable memory never executable (SCTLR.WXN).
///
/// # Safety
/// The fixed regions must already cover the code, data and stacks the kernel runs on.
pub unsafe fn enable() {
    // SAFETY: MAIR0 only changes attributes of the regions written here; the caller covers
    // the running code and data.
    unsafe {
        asm!(
            "mcr p15, 0, {mair}, c10, c2, 0",
            "dsb",
            "mrc p15, 0, {t}, c1, c0, 0",
            "bic {t}, {t}, #(1 << 17)",
            "orr {t}, {t}, #(1 << 19)",
            "orr {t}, {t}, #1",
            "mcr p15, 0, {t}, c1, c0, 0",
            "isb",
            mair = in(reg) MAIR0, t = out(reg) _,
            options(nostack)
        )
    };
}

/// True when the MPU is on (SCTLR.M).
pub fn enabled() -> bool {
    let sctlr: u32;
    // SAFETY: reads SCTLR.
    unsafe { asm!("mrc p15, 0, {0}, c1, c0, 0", out(reg) sctlr, options(nomem, nostack)) };
    sctlr & 1 != 0
}

/// Makes the regions of `space` (the address of a [`RegionSet`], 0 = none) the task regions.
pub fn activate(space: usize) {
    let set = if space == 0 {
        RegionSet::default()
    } else {
        // SAFETY: a non-zero space token is the address of a `RegionSet` the board keeps alive
        // while the domain exists (the scheduler only switches to live domains).
        unsafe { (*(space as *const RegionSet)).clone() }
    };
    // SAFETY: a barrier before the regions change under accesses in flight.
    unsafe { asm!("dsb", options(nostack)) };
    for (i, &(prbar, prlar)) in set.0.iter().enumerate() {
        write_region(TASK_FIRST + i as u32, prbar, prlar);
    }
    // SAFETY: makes the new regions apply to the next instruction.
    unsafe { asm!("dsb", "isb", options(nostack)) };
}

/// The status of an abort in words, for the long-descriptor FSR format PMSAv8 uses
/// (DFSR/IFSR.STATUS, bits 5:0). An address in no region is reported as a level-0 permission
/// fault (0x0c), as is one the region's rights deny (seen so on QEMU 10's Cortex-R52).
pub fn describe_fault(fsr: u32) -> &'static str {
    match fsr & 0x3f {
        0b00_0000..=0b00_0011 => "translation fault",
        0b00_1100..=0b00_1111 => "MPU permission fault (no region, or its rights deny the access)",
        0b10_0001 => "alignment fault",
        0b01_0000 => "synchronous external abort",
        0b01_0001 => "asynchronous external abort",
        0b10_0010 => "debug event",
        _ => "other fault",
    }
}
