//! The GICv3 virtual CPU interface as EL2 drives it (ICH_* system registers, AArch32 encodings):
//! with HCR.IMO set, a guest's ICC_* accesses reach the virtual interface (ICV_*), which hands it
//! the interrupts EL2 puts in the list registers. One partition's interface state —
//! ICH_HCR, ICH_VMCR (its priority mask, group enables, EOI mode), the active priorities and the
//! list registers — is saved and loaded with its other registers.

use core::arch::asm;

/// List registers used: the Cortex-R52 has 4 (ICH_VTR.ListRegs + 1; QEMU models 4 too).
pub const LIST_REGISTERS: usize = 4;

/// ICH_HCR.En: the virtual CPU interface is on.
const HCR_EN: u32 = 1;

/// List register state (bits 63:62): pending.
const LR_PENDING: u64 = 0b01 << 62;
/// List register state mask (pending, active, both).
const LR_STATE: u64 = 0b11 << 62;
/// List register group (bit 60): group 1.
const LR_GROUP1: u64 = 1 << 60;

macro_rules! ich_read {
    ($crm:literal, $op2:literal) => {{
        let value: u32;
        // SAFETY: reads an ICH register at EL2; no side effects.
        unsafe { asm!(concat!("mrc p15, 4, {0}, c12, ", $crm, ", ", $op2), out(reg) value, options(nomem, nostack)) };
        value
    }};
}

macro_rules! ich_write {
    ($value:expr, $crm:literal, $op2:literal) => {{
        let value: u32 = $value;
        // SAFETY: writes an ICH register at EL2; it acts on the virtual interface EL1 sees.
        unsafe { asm!(concat!("mcr p15, 4, {0}, c12, ", $crm, ", ", $op2), in(reg) value, options(nomem, nostack)) };
    }};
}

/// Reads list register `n` (ICH_LRC<n>:ICH_LR<n>).
fn read_lr(n: usize) -> u64 {
    let (low, high) = match n {
        0 => (ich_read!("c12", 0), ich_read!("c14", 0)),
        1 => (ich_read!("c12", 1), ich_read!("c14", 1)),
        2 => (ich_read!("c12", 2), ich_read!("c14", 2)),
        _ => (ich_read!("c12", 3), ich_read!("c14", 3)),
    };
    ((high as u64) << 32) | low as u64
}

/// Writes list register `n`.
fn write_lr(n: usize, value: u64) {
    let (low, high) = (value as u32, (value >> 32) as u32);
    match n {
        0 => {
            ich_write!(low, "c12", 0);
            ich_write!(high, "c14", 0);
        }
        1 => {
            ich_write!(low, "c12", 1);
            ich_write!(high, "c14", 1);
        }
        2 => {
            ich_write!(low, "c12", 2);
            ich_write!(high, "c14", 2);
        }
        _ => {
            ich_write!(low, "c12", 3);
            ich_write!(high, "c14", 3);
        }
    }
}

/// One partition's virtual CPU interface.
#[derive(Debug, Clone)]
pub struct VirtualCpuInterface {
    pub hcr: u32,
    pub vmcr: u32,
    pub ap0r0: u32,
    pub ap1r0: u32,
    pub lrs: [u64; LIST_REGISTERS],
}

impl VirtualCpuInterface {
    /// An interface out of reset: on, everything masked by the guest's own (zero) VMCR, no
    /// interrupt listed.
    pub fn reset() -> VirtualCpuInterface {
        VirtualCpuInterface { hcr: HCR_EN, vmcr: 0, ap0r0: 0, ap1r0: 0, lrs: [0; LIST_REGISTERS] }
    }

    /// Saves the interface the CPU holds.
    pub fn save(&mut self) {
        self.hcr = ich_read!("c11", 0);
        self.vmcr = ich_read!("c11", 7);
        self.ap0r0 = ich_read!("c8", 0);
        self.ap1r0 = ich_read!("c9", 0);
        for (n, lr) in self.lrs.iter_mut().enumerate() {
            *lr = read_lr(n);
        }
    }

    /// Loads this interface into the CPU.
    pub fn restore(&self) {
        ich_write!(self.vmcr, "c11", 7);
        ich_write!(self.ap0r0, "c8", 0);
        ich_write!(self.ap1r0, "c9", 0);
        for (n, &lr) in self.lrs.iter().enumerate() {
            write_lr(n, lr);
        }
        ich_write!(self.hcr, "c11", 0);
        // SAFETY: the interface's new state applies from the next instruction on.
        unsafe { asm!("isb", options(nomem, nostack)) };
    }
}

/// Makes virtual interrupt `intid` (group 1, `priority`) pending for the guest whose interface
/// the CPU holds. False when it is already listed (it stays as it is) or no list register is
/// free (the caller keeps it for later).
pub fn inject(intid: u32, priority: u8) -> bool {
    let lrs: [u64; LIST_REGISTERS] = core::array::from_fn(read_lr);
    if lrs.iter().any(|&lr| lr & LR_STATE != 0 && lr as u32 == intid) {
        return false;
    }
    let Some(free) = lrs.iter().position(|&lr| lr & LR_STATE == 0) else {
        return false;
    };
    write_lr(free, LR_PENDING | LR_GROUP1 | (priority as u64) << 48 | intid as u64);
    // SAFETY: the new list register applies from the next instruction on.
    unsafe { asm!("isb", options(nomem, nostack)) };
    true
}

/// True when an interrupt waits in a list register of the interface the CPU holds (pending, not
/// yet taken by the guest).
pub fn pending() -> bool {
    (0..LIST_REGISTERS).any(|n| read_lr(n) & LR_STATE == LR_PENDING)
}
