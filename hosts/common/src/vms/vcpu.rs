//! A vCPU's guest registers (EL1/PL1 state and virtual CPU interface) live in the CPU for as
//! long as no other vCPU needs it: an exit that comes back to the same guest — a hypercall, an
//! emulated access, an interrupt of the hypervisor's own — saves and reloads nothing. Only when
//! another vCPU is about to enter its guest are the registers of the one the CPU holds saved
//! into its VM's record, and the newcomer's loaded ([`LoadedVcpu::ensure`]).

use core::sync::atomic::{AtomicUsize, Ordering};

/// The guest registers of one vCPU, as the board saves and loads them.
pub trait VcpuRegisters: Send + 'static {
    /// The registers of a vCPU out of reset.
    fn reset() -> Self;
    /// Reads the registers the CPU holds into `self`.
    fn save(&mut self);
    /// Loads `self` into the CPU.
    fn restore(&self);
    /// Stops what the CPU holds of a guest from signalling anything (its virtual timer, its
    /// virtual CPU interface): when no vCPU's registers are wanted there any more.
    fn quiesce();
    /// Masks the virtual timer the CPU holds (its interrupt was taken for the guest; the guest
    /// unmasks it when it programs the timer again).
    fn mask_timer();
}

/// Which vCPU's registers the CPU holds: the address of their save area (a box in the VM
/// registry), or 0.
pub struct LoadedVcpu(AtomicUsize);

impl LoadedVcpu {
    pub const fn new() -> Self {
        LoadedVcpu(AtomicUsize::new(0))
    }

    /// Makes the CPU hold the registers of the vCPU whose save area is `me`, saving those of
    /// the vCPU it held. Call with interrupts masked, just before entering `me`'s guest.
    ///
    /// # Safety
    /// `me` and any save area recorded here must be alive: save areas live in the VM registry
    /// until [`crate::vms::Vms::clear`], which calls [`LoadedVcpu::forget`] first.
    pub unsafe fn ensure<R: VcpuRegisters>(&self, me: *mut R) {
        let loaded = self.0.load(Ordering::Relaxed);
        if loaded == me as usize {
            return;
        }
        if loaded != 0 {
            // SAFETY: the caller's contract: the recorded save area is alive.
            unsafe { (*(loaded as *mut R)).save() };
        }
        // SAFETY: the caller's contract: `me` is alive.
        unsafe { (*me).restore() };
        self.0.store(me as usize, Ordering::Relaxed);
    }

    /// The save area of the vCPU whose registers the CPU holds (0: none).
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// The CPU holds no vCPU's registers any more (their VMs are going away).
    pub fn forget<R: VcpuRegisters>(&self) {
        if self.0.swap(0, Ordering::Relaxed) != 0 {
            R::quiesce();
        }
    }
}

impl Default for LoadedVcpu {
    fn default() -> Self {
        Self::new()
    }
}
