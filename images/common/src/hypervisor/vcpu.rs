//! A vCPU's guest registers (EL1/PL1 state and virtual CPU interface; [`GicVcpu`] on the
//! GICv2 boards) live in the CPU for as long as no other vCPU needs it: an exit that comes back to the same guest — a hypercall, an
//! emulated access, an interrupt of the hypervisor's own — saves and reloads nothing. Only when
//! another vCPU is about to enter its guest are the registers of the one the CPU holds saved
//! into its VM's record, and the newcomer's loaded ([`LoadedVcpu::ensure`]).

use crate::gic::Gic;
use crate::hypervisor::vgic::{Gich, VgicCpu};
use super::VmPlatform;
use core::sync::atomic::{AtomicUsize, Ordering};
use wells_core::arch::hypervisor::guest_exit::GuestState;

/// The guest registers of one vCPU, as the board saves and loads them.
pub trait VcpuRegisters: Send + 'static {
    /// The registers of a vCPU out of reset.
    fn reset() -> Self;
    /// The registers of the VM's CPU number `cpu` out of reset.
    fn reset_as(cpu: u8) -> Self
    where
        Self: Sized,
    {
        let mut registers = Self::reset();
        registers.set_cpu_number(cpu);
        registers
    }
    /// Reads the registers the CPU holds into `self`.
    fn save(&mut self);
    /// Loads `self` into the CPU.
    fn restore(&mut self);
    /// Makes this the VM's CPU number `cpu` (what its guest reads as MPIDR).
    fn set_cpu_number(&mut self, cpu: u8);
    /// Makes SGI `id` from the VM's vCPU `source` pending for this vCPU, at `priority`;
    /// `loaded`: the CPU holds this vCPU's registers (they are not in `self`). An SGI that
    /// finds no free list register waits here, and goes in when the vCPU is next loaded.
    fn send_sgi(&mut self, loaded: bool, id: u32, source: usize, priority: u8);
    /// Stops what the CPU holds of a guest from signalling anything (its virtual timer, its
    /// virtual CPU interface): when no vCPU's registers are wanted there any more.
    fn quiesce();
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
    /// until [`crate::hypervisor::Vms::clear`], which calls [`LoadedVcpu::forget`] first.
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

/// A board whose guests' interrupts go through a GICv2 with the virtualization extension.
pub trait GicBoard: VmPlatform {
    /// A guest's CPU state on this board.
    type Guest: GuestState;
    fn gic() -> &'static Gic;
    fn gich() -> &'static Gich;
}

/// A vCPU's guest registers on a GICv2 board: its CPU state, its virtual CPU interface, and
/// whether it holds the physical timer interrupt.
pub struct GicVcpu<B: GicBoard> {
    guest: B::Guest,
    vgic: VgicCpu,
    /// The physical timer interrupt was active for this vCPU (forwarded, not yet ended by its
    /// guest): it is one per CPU, so it moves with the vCPU.
    timer_active: bool,
    /// SGIs sent while no list register was free (bit 8 × ID + sender), with their priorities.
    waiting_sgis: u128,
    waiting_priority: [u8; 16],
}

impl<B: GicBoard> GicVcpu<B> {
    /// Puts the SGIs waiting for a free list register into the saved list registers, as many
    /// as are free (rare: out of the switch's way).
    #[cold]
    #[inline(never)]
    fn deliver_waiting_sgis(&mut self) {
        let list_registers = B::gich().list_registers();
        while self.waiting_sgis != 0 {
            let bit = self.waiting_sgis.trailing_zeros() as usize;
            let id = (bit / 8) as u32;
            if !self.vgic.inject_software(id, bit % 8, self.waiting_priority[id as usize], list_registers) {
                break;
            }
            self.waiting_sgis &= !(1 << bit);
        }
    }

    /// Its CPU state (the trap glue hands it the FP unit on a guest's first FP instruction).
    pub fn guest_mut(&mut self) -> &mut B::Guest {
        &mut self.guest
    }
}

impl<B: GicBoard> VcpuRegisters for GicVcpu<B> {
    fn reset() -> Self {
        GicVcpu { guest: B::Guest::reset(), vgic: VgicCpu::reset(), timer_active: false, waiting_sgis: 0, waiting_priority: [0; 16] }
    }

    fn set_cpu_number(&mut self, cpu: u8) {
        self.guest.set_cpu_number(cpu);
    }

    fn send_sgi(&mut self, loaded: bool, id: u32, source: usize, priority: u8) {
        let id = id & 0xf;
        let sent = if loaded { B::gich().inject_software(id, source, priority) } else { self.vgic.inject_software(id, source, priority, B::gich().list_registers()) };
        if !sent {
            self.waiting_sgis |= 1 << (8 * id as usize + (source & 7));
            self.waiting_priority[id as usize] = priority;
        }
    }

    fn save(&mut self) {
        self.guest.save();
        self.vgic = VgicCpu::save(B::gich());
        // Its timer stops before the physical interrupt it holds is let go, so it cannot fire
        // again for a guest that is not in the CPU.
        B::Guest::stop_timer();
        self.timer_active = B::gic().is_active(B::GUEST_TIMER_IRQ);
        B::gic().set_active(B::GUEST_TIMER_IRQ, false);
    }

    fn restore(&mut self) {
        // SGIs that found the list registers full go in as far as they are free now.
        if self.waiting_sgis != 0 {
            self.deliver_waiting_sgis();
        }
        B::gic().set_active(B::GUEST_TIMER_IRQ, self.timer_active);
        self.vgic.restore(B::gich());
        self.guest.restore();
    }

    fn quiesce() {
        B::Guest::stop_timer();
        B::gich().disable();
        B::gic().set_active(B::GUEST_TIMER_IRQ, false);
    }
}
