//! The policy seam: every choice of the next thread to run goes through [`Policy`].
//!
//! When a thread becomes runnable the kernel describes it ([`Runnable`]) and asks the policy
//! where it goes ([`Policy::place`]: a run-queue level and a time slice); picking the next
//! thread is then O(1) over the levels. The classic policy places every thread at its
//! priority; the decision-set policy (loaded at run time by an outside advisor) may place it
//! elsewhere and falls back to the classic placement when no rule matches.

use crate::error::{Error, Result};
use crate::handle::Handle;

/// Where a thread that is still runnable goes back into its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// It was preempted before its slice ended: it keeps its turn.
    Front,
    /// It yielded or used up its slice: everyone else of its level goes first.
    Back,
}

/// Scheduling class of a thread (what an advisor's rules match on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchedClass {
    /// Hard real-time: never runs below its configured priority, whatever a set says.
    HardRealTime,
    /// Soft real-time.
    SoftRealTime,
    /// Everything else.
    #[default]
    BestEffort,
}

/// What the policy sees of a thread becoming runnable.
#[derive(Debug, Clone, Copy)]
pub struct Runnable {
    pub thread: Handle,
    /// Effective priority (base raised by priority inheritance).
    pub priority: u8,
    pub base_priority: u8,
    pub class: SchedClass,
    /// Time left to its deadline (negative: missed), if it has one.
    pub deadline_slack_ns: Option<i64>,
    /// Member of a transaction.
    pub in_transaction: bool,
    /// Other members of one of its transactions voted commit and wait for its vote.
    pub awaited_by_partners: bool,
    /// Transactions of it that aborted on a conflict.
    pub conflicts: u32,
    /// Time since it last left the CPU (since boot if it never ran).
    pub waited_ns: u64,
    /// Its share of the CPU in its last full accounting window, percent.
    pub cpu_share_pct: u8,
}

/// Where a runnable thread goes: the run-queue level picked from, and its time slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placement {
    pub level: u8,
    pub slice_ns: u64,
    /// Hold a just-released thread back this long before it is queued (0: queue it now).
    pub defer_ns: u64,
    /// Pull the ready members of its transactions up to its level, so they run together.
    pub gang: bool,
    /// Abort the other transactions that conflict with its own, so its own wins.
    pub abort_conflicting: bool,
    /// 1 + the index of the decision-set rule that placed it; 0: the classic placement.
    pub rule: u16,
}

/// A scheduling policy: it decides where a thread that becomes runnable goes (its level, slice,
/// deferral, gang and conflict actions); the kernel keeps the ready queues and takes the next
/// thread from them in O(1), so switching never calls the policy. Calls are made with the
/// kernel's state locked and interrupts masked, so every method must be short and bounded.
pub trait Policy: Send {
    /// Where `thread` goes when it becomes runnable.
    fn place(&self, thread: &Runnable) -> Placement;
    /// Swaps in a decision set (validated already); policies without sets refuse.
    fn load_set(&mut self, _set: super::decision::DecisionSet) -> Result<()> {
        Err(Error::BadState)
    }
    /// Drops the loaded decision set: back to the classic placement.
    fn clear_set(&mut self) {}
    /// Puts back the set that was in force before the last load (none: classic); false when
    /// there was nothing to revert.
    fn revert_set(&mut self) -> bool {
        false
    }
    /// Rules of the decision set in force (0: none, classic placement).
    fn rules_in_force(&self) -> usize {
        0
    }
    /// `Some(slice)` when the policy, as it stands, places every thread at its own priority
    /// with that slice and nothing else (no rule in force): the kernel then places threads
    /// without describing them to it. Asked again after every change of decision set.
    fn uniform_slice(&self) -> Option<u64> {
        None
    }
}
