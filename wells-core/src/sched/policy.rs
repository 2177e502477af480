//! The policy seam: every choice of the next thread to run goes through [`Policy`].
//!
//! The kernel tells the policy which threads are runnable and asks it which one runs next. The
//! classic O(1) priority policy is the default; a decision-set policy (loaded at run time by an
//! outside advisor) replaces it behind this same trait and falls back to the classic one.

use crate::handle::Handle;

/// Where a thread that is still runnable goes back into its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    /// It was preempted before its slice ended: it keeps its turn.
    Front,
    /// It yielded or used up its slice: everyone else of its priority goes first.
    Back,
}

/// A scheduling policy. Calls are made with the kernel's state locked and interrupts masked,
/// so every method must be short and bounded.
pub trait Policy: Send {
    /// `thread` became runnable at effective priority `priority`.
    fn enqueue(&mut self, thread: Handle, priority: u8, at: Requeue);
    /// `thread`, queued at `priority`, is no longer runnable; false if it was not queued.
    fn remove(&mut self, thread: Handle, priority: u8) -> bool;
    /// Chooses the next thread to run and takes it out of the runnable set.
    fn pick_next(&mut self) -> Option<Handle>;
    /// The priority of the thread [`Policy::pick_next`] would choose, to decide preemption.
    fn top_priority(&self) -> Option<u8>;
    /// How long `priority` may run before others of its level get a turn.
    fn time_slice_ns(&self, priority: u8) -> u64;
}
