//! PMSAv7 MPU (8 regions): fixed kernel-wide regions set once by the board, and a per-domain
//! set of task regions written on every switch to a thread of another domain.
//!
//! Privileged code keeps the default memory map as background (PRIVDEFENA), so the kernel sees
//! everything; unprivileged code sees only what a region grants, and anything else faults
//! (MemManage).

const MPU_TYPE: usize = 0xe000_ed90;
const MPU_CTRL: usize = 0xe000_ed94;
const MPU_RNR: usize = 0xe000_ed98;
const MPU_RBAR: usize = 0xe000_ed9c;
const MPU_RASR: usize = 0xe000_eda0;

/// Regions `TASK_FIRST..8` belong to the running task; lower ones are the board's fixed ones.
pub const TASK_FIRST: u32 = 4;
/// How many regions a task has.
pub const TASK_REGIONS: usize = 4;

/// Access rights of a region (RASR.AP and XN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Privileged read/write, unprivileged none.
    KernelOnly,
    /// Read-only for both; executable.
    ReadExecute,
    /// Read/write for both, never executable.
    ReadWrite,
    /// Read/write for both and executable: a task's RAM holding its code too (the MPU boards'
    /// tasks run their programs from their own RAM).
    ReadWriteExecute,
    /// Read-only for both, never executable.
    ReadOnly,
    /// Privileged read-only, unprivileged none, never executable (a guard).
    Guard,
}

/// One region: base and size (a power of two from 32 bytes, base aligned to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub base: usize,
    pub size: usize,
    pub access: Access,
}

impl Region {
    /// The (RBAR, RASR) pair for region number `number`, or `None` when base/size are not
    /// a valid PMSAv7 region.
    pub fn encode(&self, number: u32) -> Option<(u32, u32)> {
        if self.size < 32 || !self.size.is_power_of_two() || !self.base.is_multiple_of(self.size) {
            return None;
        }
        let size_field = self.size.trailing_zeros() - 1;
        let (ap, xn) = match self.access {
            Access::KernelOnly => (0b001, 1),
            Access::ReadExecute => (0b110, 0),
            Access::ReadWrite => (0b011, 1),
            Access::ReadWriteExecute => (0b011, 0),
            Access::ReadOnly => (0b110, 1),
            Access::Guard => (0b101, 1),
        };
        // Normal memory, write-back (TEX=0, C=1, B=1), not shared.
        let rasr = (xn << 28) | (ap << 24) | (1 << 17) | (1 << 16) | (size_field << 1) | 1;
        Some(((self.base as u32) | (1 << 4) | number, rasr))
    }
}

/// A task's regions, already encoded; its address is the domain's space token.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegionSet {
    pub regs: [(u32, u32); TASK_REGIONS],
}

impl RegionSet {
    /// Encodes up to [`TASK_REGIONS`] regions; `None` if one is invalid or there are too many.
    pub fn new(regions: &[Region]) -> Option<RegionSet> {
        if regions.len() > TASK_REGIONS {
            return None;
        }
        let mut set = RegionSet::default();
        for (i, slot) in set.regs.iter_mut().enumerate() {
            let number = TASK_FIRST + i as u32;
            *slot = match regions.get(i) {
                Some(region) => region.encode(number)?,
                None => ((1 << 4) | number, 0),
            };
        }
        Some(set)
    }
}

/// Number of data regions the MPU has (0 = no MPU).
pub fn regions() -> u32 {
    (super::scb::read(MPU_TYPE) >> 8) & 0xff
}

/// Writes fixed region `number` (below [`TASK_FIRST`]).
pub fn set_fixed(number: u32, region: &Region) -> Option<()> {
    let (rbar, rasr) = region.encode(number)?;
    super::scb::write(MPU_RBAR, rbar);
    super::scb::write(MPU_RASR, rasr);
    Some(())
}

/// Turns the MPU on with the default map as privileged background.
pub fn enable() {
    // PRIVDEFENA (2) | ENABLE (1).
    super::scb::write(MPU_CTRL, 0b101);
    barrier();
}

/// True when the MPU is on (MPU_CTRL.ENABLE, read back).
pub fn enabled() -> bool {
    super::scb::read(MPU_CTRL) & 1 != 0
}

fn barrier() {
    // SAFETY: barriers only.
    unsafe { core::arch::asm!("dsb", "isb", options(nostack)) };
}

/// Makes `space` (the address of a [`RegionSet`], or 0 for none) the task regions.
pub fn activate(space: usize) {
    if !enabled() {
        return;
    }
    if space == 0 {
        for i in 0..TASK_REGIONS as u32 {
            write_region((1 << 4) | (TASK_FIRST + i), 0);
        }
    } else {
        // SAFETY: a non-zero space token is the address of a `RegionSet` the board keeps alive
        // as long as the domain exists (the scheduler only activates live domains).
        let set = unsafe { &*(space as *const RegionSet) };
        for &(rbar, rasr) in &set.regs {
            write_region(rbar, rasr);
        }
    }
    barrier();
}

/// Rewrites one region (RBAR with VALID and its number). The region is disabled first: writing
/// RBAR alone would, until RASR follows, give the old size and rights at the new base — for a
/// base of 0 an execute-never window over the very code doing the writing. A region that stays
/// disabled needs only that first write: its base means nothing (and each MPU write costs QEMU
/// a TLB flush).
fn write_region(rbar: u32, rasr: u32) {
    super::scb::write(MPU_RNR, rbar & 0xf);
    super::scb::write(MPU_RASR, 0);
    if rasr & 1 == 0 {
        return;
    }
    super::scb::write(MPU_RBAR, rbar);
    super::scb::write(MPU_RASR, rasr);
}
