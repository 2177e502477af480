//! The hypervisor level: virtual machines. A VM is a domain of the kernel
//! (kind `VirtualMachine`) whose address space token is its stage-2 translation; its vCPU is a
//! kernel thread of that domain that enters the guest and comes back on every exit, so vCPUs are
//! scheduled, preempted and blocked by the same scheduler as every other thread.
//!
//! Each VM sees RAM, an emulated PL011 and a GICv2: its distributor emulated, its CPU interface
//! the hardware's virtual one (GICV), its virtual timer's interrupt injected through a list
//! register.
//!
//! What differs per CPU is behind [`VmPlatform`] (entering a guest), [`GuestSpace`] (stage-2
//! translation) and [`GuestRegisters`] (the exit's general registers); the board's trap glue
//! decodes each exit and calls [`exits`]. Everything a guest hands over (addresses, lengths,
//! port numbers) is checked here against what its system description granted: a guest register
//! is never used as a hypervisor pointer.

pub mod bench;
mod console;
// Over the CPU's stage-2 tables: only on CPUs with a hypervisor level.
#[cfg(any(target_arch = "aarch64", all(target_arch = "arm", target_has_atomic = "64")))]
pub mod image;
pub mod demo;
pub mod entropy;
pub mod exits;
pub mod hypercalls;
mod shared_registers;
mod lifecycle;
mod linux;
pub mod loader;
mod ram;
mod registry;
pub mod run;
pub mod soak;
mod spec;
mod vcpu;
pub mod vgic;

pub use lifecycle::{destroy, hold_for_entry, shut_down, start, StartedVm};
pub use registry::{Outcome, VcpuSlot, VmReport, Vms};
pub use spec::{Devices, OnFault, VmSpec};
pub use vcpu::{this_cpu, GicBoard, GicVcpu, LoadedVcpu, VcpuRegisters};

use crate::Platform;
use alloc::string::String;

/// A board that runs VMs.
pub trait VmPlatform: Platform {
    /// A VM's stage-2 translation on this board.
    type Space: GuestSpace;
    /// A vCPU's guest registers on this board.
    type Vcpu: VcpuRegisters;
    /// Guest-physical address where this board's guests expect RAM.
    const RAM_IPA: usize;
    /// Guest-physical address of the PL011 every VM sees (emulated, page sized).
    const UART_IPA: usize;
    /// Guest-physical address of the GIC distributor every VM sees (emulated).
    const GICD_IPA: usize;
    /// Guest-physical address of the GIC CPU interface every VM sees, and the physical address
    /// of the hardware virtual CPU interface (GICV) stage 2 maps there, and its size.
    const GICC_IPA: usize;
    const GICV_PA: usize;
    const GICV_SIZE: usize;
    /// The interrupt of the guests' virtual timer.
    const GUEST_TIMER_IRQ: u32;
    /// The interrupt of the hypervisor's own timer.
    const HYP_TIMER_IRQ: u32;
    /// Stack of a vCPU thread (its exits are handled there).
    const VCPU_STACK: usize = 16 * 1024;

    /// The board's VM registry.
    fn vms() -> &'static Vms<Self>;
    /// Which vCPU's registers the CPU holds.
    fn loaded() -> &'static LoadedVcpu;
    /// Ends the guest's run on physical CPU `cpu` (the vCPU kick SGI, `exits::VCPU_KICK_SGI`):
    /// the exit it causes does what was asked of that guest's vCPU meanwhile.
    fn kick(cpu: usize);
    /// Leaves for the guest of the current vCPU thread from reset at `entry`; `vcpu` is the
    /// vCPU's save area (in the VM registry, alive until `Vms::clear`).
    fn enter_guest(entry: GuestEntry, vcpu: *mut Self::Vcpu) -> !;
}

/// A VM's stage-2 translation.
pub trait GuestSpace: Sized + Send {
    /// Empty translation tagged with `vmid` (1..=255).
    fn new(vmid: u8) -> Result<Self, String>;
    /// Maps normal memory the guest may read, write and execute.
    fn map_ram(&mut self, ipa: usize, pa: usize, size: usize) -> Result<(), String>;
    /// Maps a device the guest drives itself (read and write, never execute).
    fn map_device(&mut self, ipa: usize, pa: usize, size: usize) -> Result<(), String>;
    /// The token the scheduler hands the CPU port when a thread of the VM runs.
    fn token(&self) -> usize;
    /// Forgets cached translations (before the VMID is used again).
    fn flush(&self);
}

/// The general registers of an exit (x0..x30 or r0..r14).
pub trait GuestRegisters {
    fn get(&self, n: usize) -> u64;
    fn set(&mut self, n: usize, value: u64);
}

/// Where a guest CPU starts: program counter, the first two argument registers, and which of
/// the VM's CPUs it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestEntry {
    pub pc: u64,
    pub x0: u64,
    pub x1: u64,
    pub cpu: u8,
}

/// How the guest goes on after an exit was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// After the instruction that exited.
    Next,
    /// From reset at this entry (a restart): the glue clears every register.
    Restart(GuestEntry),
}
