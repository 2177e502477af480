//! What the system description says about one VM.

use wells_core::domain::CpuBudget;
use wells_core::Handle;

pub use crate::on_fault::OnFault;

/// One VM of the system description.
#[derive(Debug, Clone, Copy)]
pub struct VmSpec<'a> {
    /// Prefixes its console lines and reports.
    pub name: &'a str,
    /// The guest image: an ELF file linked for the guest-physical addresses it expects.
    pub image: &'static [u8],
    /// Guest-physical address of its RAM (where its image expects RAM).
    pub ram_base: usize,
    /// Bytes of RAM (a multiple of 2 MiB).
    pub ram_size: usize,
    /// Priority of its vCPU threads.
    pub priority: u8,
    /// Its vCPUs (1 to 8): vCPU 0 starts at the image's entry, the others when the guest turns
    /// them on (PSCI CPU_ON). Each is a thread of the VM's domain; they share its RAM, stage 2
    /// and VMID.
    pub vcpus: u8,
    /// Passed to the guest in its first argument register.
    pub arg: u64,
    pub on_fault: OnFault,
    /// Ports it may use: hypercall port number n is `ports[n]`.
    pub ports: &'a [Handle],
    /// CPU time its vCPUs may use per period (`None`: as the scheduler gives).
    pub budget: Option<CpuBudget>,
    /// The virtual devices it sees; without one, its pages fault like any address it was not
    /// given.
    pub devices: Devices,
}

/// The virtual devices of a VM (all emulated or virtualised by the hypervisor; none is passed
/// through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Devices {
    /// The emulated PL011.
    pub uart: bool,
    /// The GIC: emulated distributor, GICV as CPU interface, the virtual timer's interrupt.
    pub interrupt_controller: bool,
}

impl Devices {
    pub const ALL: Devices = Devices { uart: true, interrupt_controller: true };
    pub const NONE: Devices = Devices { uart: false, interrupt_controller: false };
}

impl<'a> VmSpec<'a> {
    /// A VM of `image` with `ram_size` bytes of RAM at `ram_base`: one vCPU, priority 8,
    /// argument 0, stopped on a fault, no ports, no budget, every device. Change fields with struct update
    /// syntax: `VmSpec { arg: 3, ..VmSpec::new(...) }`.
    pub const fn new(name: &'a str, image: &'static [u8], ram_base: usize, ram_size: usize) -> VmSpec<'a> {
        VmSpec { name, image, ram_base, ram_size, priority: 8, vcpus: 1, arg: 0, on_fault: OnFault::Stop, ports: &[], budget: None, devices: Devices::ALL }
    }
}
