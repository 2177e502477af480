//! A vCPU's guest registers (EL1/PL1 state and virtual CPU interface; [`GicVcpu`] on the
//! GICv2 boards) live in the CPU for as long as no other vCPU needs it: an exit that comes back to the same guest — a hypercall, an
//! emulated access, an interrupt of the hypervisor's own — saves and reloads nothing. Only when
//! another vCPU is about to enter its guest are the registers of the one the CPU holds saved
//! into its VM's record, and the newcomer's loaded ([`LoadedVcpu::ensure`]).

use crate::gic::Gic;
use crate::hypervisor::vgic::{Gich, VgicCpu};
use super::VmPlatform;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, AtomicUsize, Ordering};
use wells_core::arch::hypervisor::guest_exit::GuestState;
use wells_core::kernel::percpu::{slot_of, MAX_CPUS};
use wells_core::Arch;

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
    /// Makes SGI `id` from the VM's vCPU `source` pending for this vCPU, at `priority`, from
    /// any CPU: it waits here until the CPU that holds this vCPU's registers puts it in a list
    /// register ([`VcpuRegisters::deliver_waiting`]).
    fn send_sgi(&self, id: u32, source: usize, priority: u8);
    /// On the CPU that holds this vCPU's registers, before its guest goes on: the SGIs waiting
    /// here go into the list registers, as far as they are free (the rest wait for the next).
    fn deliver_waiting(&mut self);
    /// The physical CPUs this vCPU ran on (bit n: CPU n; with one CPU, CPU 0).
    fn ran_on(&self) -> u32;
    /// Asks this vCPU, from any CPU, to leave its guest at the end of its next exit (`true`:
    /// its VM restarts as a whole), or forgets the request (`false`: it left).
    fn ask_to_stop(&self, stop: bool);
    /// Whether it was asked to leave its guest.
    fn asked_to_stop(&self) -> bool;
    /// Forgets the SGIs waiting for it: its VM's run ended, and nothing sent in one may reach
    /// the next.
    fn forget_waiting(&self);
    /// Stops what the CPU holds of a guest from signalling anything (its virtual timer, its
    /// virtual CPU interface): when no vCPU's registers are wanted there any more.
    fn quiesce();
}

/// Which vCPU's registers each CPU holds: the address of their save area (a box in the VM
/// registry), or 0. A vCPU's thread stays on one CPU (`lifecycle` pins it when the kernel has
/// several), so its registers are only ever in that CPU or in its save area.
pub struct LoadedVcpu {
    held: [AtomicUsize; MAX_CPUS],
    /// Per CPU: held while that CPU saves the registers it holds into a save area, or while
    /// another CPU forgets a save area it holds ([`LoadedVcpu::forget_where`]): a save area is
    /// never freed while it is written.
    changing: [spin::Mutex<()>; MAX_CPUS],
}

impl LoadedVcpu {
    pub const fn new() -> Self {
        LoadedVcpu { held: [const { AtomicUsize::new(0) }; MAX_CPUS], changing: [const { spin::Mutex::new(()) }; MAX_CPUS] }
    }

    /// This CPU's number as [`LoadedVcpu`] counts CPUs (the constant 0 with one).
    #[inline(always)]
    pub fn this_cpu<A: Arch>(arch: &A) -> usize {
        slot_of(|| arch.cpu_id())
    }

    /// Makes CPU `cpu` (the caller's) hold the registers of the vCPU whose save area is `me`,
    /// saving those of the vCPU it held. Call with interrupts masked, just before entering
    /// `me`'s guest.
    ///
    /// # Safety
    /// `me` and any save area recorded here must be alive: save areas live in the VM registry
    /// until it forgets them ([`LoadedVcpu::forget_where`]).
    pub unsafe fn ensure<R: VcpuRegisters>(&self, cpu: usize, me: *mut R) {
        if self.held[cpu].load(Ordering::Relaxed) == me as usize {
            return;
        }
        // With one CPU nothing else can forget a save area meanwhile: no lock.
        let _changing = (MAX_CPUS > 1).then(|| self.changing[cpu].lock());
        let loaded = self.held[cpu].load(Ordering::Relaxed);
        if loaded != 0 {
            // SAFETY: the caller's contract: the recorded save area is alive (a VM going away
            // clears it under `changing` first).
            unsafe { (*(loaded as *mut R)).save() };
        }
        // SAFETY: the caller's contract: `me` is alive.
        unsafe { (*me).restore() };
        // Sequentially consistent with the SGI senders' look (`held_by`): either they see this
        // CPU holds `me` and kick it, or the caller's next `deliver_waiting` sees their SGI.
        self.held[cpu].store(me as usize, Ordering::SeqCst);
    }

    /// The save area of the vCPU whose registers CPU `cpu` holds (0: none).
    #[inline(always)]
    pub fn get(&self, cpu: usize) -> usize {
        self.held[cpu].load(Ordering::Relaxed)
    }

    /// The CPU that holds the registers of the vCPU whose save area is `area`, if one does.
    pub fn held_by(&self, area: usize) -> Option<usize> {
        self.held.iter().position(|held| held.load(Ordering::SeqCst) == area)
    }

    /// Every CPU that holds the registers of a vCPU whose save area `going` names holds none
    /// any more (their VMs are going away); `cpu` is the caller's, whose guest state is
    /// silenced at once. Another CPU's is silenced by the next vCPU it loads, which restores
    /// all of it; meanwhile a guest timer that fires there finds no vCPU and is masked.
    pub fn forget_where<R: VcpuRegisters>(&self, cpu: usize, going: impl Fn(usize) -> bool) {
        for (n, held) in self.held.iter().enumerate() {
            let _changing = self.changing[n].lock();
            let area = held.load(Ordering::Relaxed);
            if area != 0 && going(area) {
                held.store(0, Ordering::Relaxed);
                if n == cpu {
                    R::quiesce();
                }
            }
        }
    }
}

impl Default for LoadedVcpu {
    fn default() -> Self {
        Self::new()
    }
}

/// This CPU's number as [`LoadedVcpu`] counts CPUs, on board `P`.
#[inline(always)]
pub fn this_cpu<P: VmPlatform>() -> usize {
    LoadedVcpu::this_cpu(P::cpu())
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
    /// SGIs sent to this vCPU and not yet in a list register: bit 8 × ID + sender, IDs 0..3
    /// in the first word, 4..7 in the second and so on; with their priorities. Set by any CPU.
    waiting_sgis: [AtomicU32; 4],
    waiting_priority: [AtomicU8; 16],
    /// Set after a bit of `waiting_sgis` is: the one word an exit tests.
    any_waiting: AtomicBool,
    /// The CPUs that loaded it (bit n: CPU n), with several.
    ran_on: AtomicU32,
    /// Set by the vCPU that restarts its VM: leave the guest at the next exit's end.
    stop: AtomicBool,
}

impl<B: GicBoard> GicVcpu<B> {
    /// Puts the waiting SGIs into the list registers the CPU holds, as many as are free (out
    /// of the exit's way).
    #[cold]
    #[inline(never)]
    fn deliver_waiting_sgis(&mut self) {
        // Cleared before the words are taken: a sender that marks one later sets it again.
        self.any_waiting.store(false, Ordering::SeqCst);
        for (part, waiting) in self.waiting_sgis.iter().enumerate() {
            let mut bits = waiting.swap(0, Ordering::SeqCst);
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                let id = 4 * part + bit / 8;
                if !B::gich().inject_software(id as u32, bit % 8, self.waiting_priority[id].load(Ordering::Relaxed)) {
                    break;
                }
                bits &= !(1 << bit);
            }
            if bits != 0 {
                waiting.fetch_or(bits, Ordering::SeqCst);
                self.any_waiting.store(true, Ordering::SeqCst);
            }
        }
    }

    /// Its CPU state (the trap glue hands it the FP unit on a guest's first FP instruction).
    pub fn guest_mut(&mut self) -> &mut B::Guest {
        &mut self.guest
    }
}

impl<B: GicBoard> VcpuRegisters for GicVcpu<B> {
    fn reset() -> Self {
        GicVcpu {
            guest: B::Guest::reset(),
            vgic: VgicCpu::reset(),
            timer_active: false,
            waiting_sgis: [const { AtomicU32::new(0) }; 4],
            waiting_priority: [const { AtomicU8::new(0) }; 16],
            any_waiting: AtomicBool::new(false),
            ran_on: AtomicU32::new(0),
            stop: AtomicBool::new(false),
        }
    }

    fn set_cpu_number(&mut self, cpu: u8) {
        self.guest.set_cpu_number(cpu);
    }

    fn send_sgi(&self, id: u32, source: usize, priority: u8) {
        let id = (id & 0xf) as usize;
        self.waiting_priority[id].store(priority, Ordering::Relaxed);
        self.waiting_sgis[id / 4].fetch_or(1 << (8 * (id % 4) + (source & 7)), Ordering::SeqCst);
        self.any_waiting.store(true, Ordering::SeqCst);
    }

    #[inline(always)]
    fn deliver_waiting(&mut self) {
        if self.any_waiting.load(Ordering::SeqCst) {
            self.deliver_waiting_sgis();
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
        if MAX_CPUS > 1 {
            self.ran_on.fetch_or(1 << this_cpu::<B>(), Ordering::Relaxed);
        }
        B::gic().set_active(B::GUEST_TIMER_IRQ, self.timer_active);
        self.vgic.restore(B::gich());
        self.guest.restore();
    }

    fn ran_on(&self) -> u32 {
        if MAX_CPUS > 1 { self.ran_on.load(Ordering::Relaxed) } else { 1 }
    }

    fn ask_to_stop(&self, stop: bool) {
        self.stop.store(stop, Ordering::SeqCst);
    }

    // Sequentially consistent with the asker's look at where the vCPU is (`LoadedVcpu::
    // held_by`), as for SGIs: either it kicks the CPU that holds this vCPU, or the exit that
    // is about to enter the guest (`lifecycle::hold_for_entry`) sees the request.
    #[inline(always)]
    fn asked_to_stop(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn forget_waiting(&self) {
        for waiting in &self.waiting_sgis {
            waiting.store(0, Ordering::SeqCst);
        }
        self.any_waiting.store(false, Ordering::SeqCst);
    }

    fn quiesce() {
        B::Guest::stop_timer();
        B::gich().disable();
        B::gic().set_active(B::GUEST_TIMER_IRQ, false);
    }
}
