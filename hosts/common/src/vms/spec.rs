//! What the system description says about one VM.

use wells_core::Handle;

/// What happens to a VM that faults (stage-2 abort, a device it does not own, an undefined
/// hypercall, a trapped instruction wells does not emulate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFault {
    /// Stopped for good; the other VMs go on.
    Stop,
    /// Restarted from its image, at most this many times, then stopped.
    Restart { at_most: u32 },
}

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
    /// Priority of its vCPU thread.
    pub priority: u8,
    /// Passed to the guest in its first argument register.
    pub arg: u64,
    pub on_fault: OnFault,
    /// Ports it may use: hypercall port number n is `ports[n]`.
    pub ports: &'a [Handle],
}
