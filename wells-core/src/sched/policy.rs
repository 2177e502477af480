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

/// A scheduling policy. Calls are made with the kernel's state locked and interrupts masked,
/// so every method must be short and bounded.
pub trait Policy: Send {
    /// Where `thread` goes when it becomes runnable.
    fn place(&self, thread: &Runnable) -> Placement;
    /// `thread` is runnable at run-queue `level`.
    fn enqueue(&mut self, thread: Handle, level: u8, at: Requeue);
    /// `thread`, queued at `level`, is no longer runnable; false if it was not queued.
    fn remove(&mut self, thread: Handle, level: u8) -> bool;
    /// Chooses the next thread to run and takes it out of the runnable set.
    fn pick_next(&mut self) -> Option<Handle>;
    /// The level of the thread [`Policy::pick_next`] would choose, to decide preemption.
    fn top_level(&self) -> Option<u8>;
    /// Makes room for threads of object-table slots `0..slots`, so that queueing them never
    /// allocates (a static configuration's bound).
    fn reserve(&mut self, slots: usize) -> Result<()>;
    /// The thread that has waited longest at `level` (the wait-bound guard looks at these).
    fn head(&self, _level: u8) -> Option<Handle> {
        None
    }
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
}
