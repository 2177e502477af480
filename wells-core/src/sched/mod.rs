//! Scheduling: the ready queues the kernel takes threads from, and the policy seam that says
//! where a thread is queued (the classic policy, or decision sets over it).

pub mod classic;
pub mod decision;
pub mod guard;
pub mod policy;
pub mod ready;
pub mod run_queues;

pub use classic::ClassicPolicy;
pub use decision::{DecisionSet, DecisionSetPolicy, SetError};
pub use policy::{Placement, Policy, Requeue, Runnable, SchedClass};
pub use ready::ReadyQueues;

/// Number of priority levels; priorities run from 0 (lowest) to `PRIORITY_LEVELS - 1`.
pub const PRIORITY_LEVELS: usize = 32;
/// The highest priority.
pub const PRIORITY_MAX: u8 = (PRIORITY_LEVELS - 1) as u8;
/// The priority a thread gets when the caller has no opinion.
pub const PRIORITY_DEFAULT: u8 = 16;
/// Round-robin time slice within one priority level.
pub const TIME_SLICE_NS: u64 = 10_000_000;
