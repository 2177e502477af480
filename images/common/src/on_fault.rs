//! What a manager does with a guest it hosts (a VM, a partition) that faults: one policy for
//! the hypervisor's VMs and the partition executives of the Cortex-R52 and the Cortex-M3.

/// What happens to a guest that faults (touches memory it was not given, makes an undefined
/// call, runs an instruction its manager does not emulate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFault {
    /// Stopped for good; the others go on (a partition's windows stay its own: the CPU idles
    /// through them).
    Stop,
    /// Restarted from its image, at most this many times, then stopped.
    Restart { at_most: u32 },
}
