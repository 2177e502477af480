//! The classic policy: a thread is queued at its priority (32 levels, round-robin within a
//! level with a fixed time slice). The ready queues it places threads in are the kernel's
//! ([`super::ready::ReadyQueues`]).

use super::policy::{Placement, Policy, Runnable};
use super::TIME_SLICE_NS;

/// Fixed-priority preemptive scheduling with round-robin time slices.
pub struct ClassicPolicy {
    slice_ns: u64,
}

impl Default for ClassicPolicy {
    fn default() -> Self {
        Self::new(TIME_SLICE_NS)
    }
}

impl ClassicPolicy {
    /// A policy giving each thread `slice_ns` before the next of its level runs.
    pub fn new(slice_ns: u64) -> Self {
        ClassicPolicy { slice_ns }
    }
}

impl Policy for ClassicPolicy {
    #[inline]
    fn place(&self, thread: &Runnable) -> Placement {
        Placement { level: thread.priority, slice_ns: self.slice_ns, ..Placement::default() }
    }

    fn uniform_slice(&self) -> Option<u64> {
        Some(self.slice_ns)
    }
}
