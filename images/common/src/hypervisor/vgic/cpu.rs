//! The virtual CPU interface of one vCPU: GICH's control, VM control, active priorities and list
//! registers. The trap glue saves them on every exit of a guest and loads them before it runs
//! again (beside its EL1 registers), so each vCPU finds its own pending and active interrupts.

use core::ptr::{read_volatile, write_volatile};

const GICH_HCR: usize = 0x000;
const GICH_VTR: usize = 0x004;
const GICH_VMCR: usize = 0x008;
const GICH_APR: usize = 0x0f0;
const GICH_LR: usize = 0x100;
/// GICH_HCR.En: the virtual CPU interface works.
const HCR_ENABLE: u32 = 1;

/// List registers kept per vCPU (QEMU's GICv2 has 4).
pub const LIST_REGISTERS: usize = 4;

/// LR.State = pending.
const LR_PENDING: u32 = 1 << 28;
/// LR.HW: the virtual interrupt stands for a physical one (PhysicalID, bits 19:10).
const LR_HARDWARE: u32 = 1 << 31;
/// LR.State (both bits): 0 when the register is free.
const LR_STATE: u32 = 3 << 28;

/// The GICH block of a board.
pub struct Gich {
    base: usize,
}

impl Gich {
    /// The GICH registers at `base`.
    ///
    /// # Safety
    /// `base` must be the GICH block of a GICv2 with the virtualization extension, reachable
    /// wherever it is used.
    pub const unsafe fn new(base: usize) -> Gich {
        Gich { base }
    }

    fn read(&self, offset: usize) -> u32 {
        // SAFETY: GICH registers of this board (the contract of `Gich::new`).
        unsafe { read_volatile((self.base + offset) as *const u32) }
    }

    fn write(&self, offset: usize, value: u32) {
        // SAFETY: GICH registers of this board (the contract of `Gich::new`).
        unsafe { write_volatile((self.base + offset) as *mut u32, value) }
    }

    /// Makes virtual interrupt `id` pending in the list registers the CPU holds, tied to
    /// physical interrupt `id` (see [`VgicCpu::inject_hardware`]).
    pub fn inject_hardware(&self, id: u32, priority: u8) -> bool {
        let mut state = VgicCpu::save(self);
        let injected = state.inject_hardware(id, priority);
        if injected {
            state.restore(self);
        }
        injected
    }

    /// Makes software interrupt (SGI) `id` from vCPU `source` pending in the list registers the
    /// CPU holds (see [`VgicCpu::inject_software`]).
    pub fn inject_software(&self, id: u32, source: usize, priority: u8) -> bool {
        let mut state = VgicCpu::save(self);
        let injected = state.inject_software(id, source, priority, self.list_registers());
        if injected {
            state.restore(self);
        }
        injected
    }

    /// True when the list registers the CPU holds have an interrupt pending for the guest.
    pub fn has_pending(&self) -> bool {
        (0..self.list_registers()).any(|n| self.read(GICH_LR + 4 * n) & LR_STATE == LR_PENDING)
    }

    /// Turns the virtual CPU interface off: no virtual interrupt reaches anyone.
    pub fn disable(&self) {
        self.write(GICH_HCR, 0);
    }

    /// List registers the hardware has (at most [`LIST_REGISTERS`] are used).
    pub fn list_registers(&self) -> usize {
        ((self.read(GICH_VTR) & 0x3f) as usize + 1).min(LIST_REGISTERS)
    }
}

/// One vCPU's virtual CPU interface state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VgicCpu {
    pub hcr: u32,
    pub vmcr: u32,
    pub apr: u32,
    pub lr: [u32; LIST_REGISTERS],
}

impl VgicCpu {
    /// A vCPU out of reset: interface enabled, nothing pending or active.
    pub const fn reset() -> VgicCpu {
        VgicCpu { hcr: HCR_ENABLE, vmcr: 0, apr: 0, lr: [0; LIST_REGISTERS] }
    }

    /// Reads the state of the vCPU that just exited.
    pub fn save(gich: &Gich) -> VgicCpu {
        let mut state = VgicCpu { hcr: gich.read(GICH_HCR), vmcr: gich.read(GICH_VMCR), apr: gich.read(GICH_APR), lr: [0; LIST_REGISTERS] };
        for n in 0..gich.list_registers() {
            state.lr[n] = gich.read(GICH_LR + 4 * n);
        }
        state
    }

    /// Loads this state before its vCPU runs again.
    pub fn restore(&self, gich: &Gich) {
        gich.write(GICH_VMCR, self.vmcr);
        gich.write(GICH_APR, self.apr);
        for n in 0..gich.list_registers() {
            gich.write(GICH_LR + 4 * n, self.lr[n]);
        }
        gich.write(GICH_HCR, self.hcr);
    }

    /// Makes software interrupt (SGI) `id`, sent by vCPU `source`, pending in the first
    /// `list_registers` of this state (a list register names an SGI's sender in its CPUID field,
    /// bits 12:10, and the guest's acknowledge reads it there). An SGI already in a list
    /// register (pending, active, or both) is only marked pending there: one interrupt must not
    /// sit in two list registers, and SGIs sent again before they are taken merge. False when
    /// it is in none and no list register is free.
    pub fn inject_software(&mut self, id: u32, source: usize, priority: u8, list_registers: usize) -> bool {
        let interrupt = (((source & 7) as u32) << 10) | (id & 0xf);
        let lrs = &mut self.lr[..list_registers.min(LIST_REGISTERS)];
        if let Some(lr) = lrs.iter_mut().find(|lr| **lr & 0x1fff == interrupt && **lr & LR_STATE != 0) {
            *lr |= LR_PENDING;
            return true;
        }
        let Some(free) = lrs.iter_mut().find(|lr| **lr & LR_STATE == 0) else { return false };
        *free = LR_PENDING | (((priority >> 3) as u32) << 23) | interrupt;
        true
    }

    /// Makes virtual interrupt `id` pending at `priority` (of which a GICv2 list register keeps
    /// the top 5 bits), tied to the physical interrupt of the same ID (the HW bit): the guest
    /// ending it deactivates the physical one, which the hypervisor left active. False when the
    /// interrupt is in a list register already (it cannot be: the physical one is active until
    /// the guest ends it) or none is free; the caller then deactivates it itself.
    pub fn inject_hardware(&mut self, id: u32, priority: u8) -> bool {
        if self.lr.iter().any(|&lr| lr & 0x3ff == id && lr & LR_STATE != 0) {
            return false;
        }
        let Some(free) = self.lr.iter_mut().find(|lr| **lr & LR_STATE == 0) else { return false };
        *free = LR_HARDWARE | LR_PENDING | (((priority >> 3) as u32) << 23) | ((id & 0x3ff) << 10) | (id & 0x3ff);
        true
    }
}
