//! Wait queues: threads waiting on one object, highest priority first, FIFO within a priority.

use crate::handle::Handle;
use alloc::vec::Vec;

/// Threads blocked on one object. Each entry remembers the priority it was queued at so the
/// queue stays ordered without looking threads up; [`WaitQueue::reposition`] follows a change.
///
/// The entries are kept last-to-wake first: the thread to wake next is the vector's last, so
/// taking it is a pop, and a vector is all it needs (a ring buffer's wrap-around code costs
/// some 500 bytes of flash on the Cortex-M3 minimal configuration). Queueing into an empty queue
/// is a push; behind other waiters it moves them by one place, as an insertion by priority did
/// before.
#[derive(Default)]
pub struct WaitQueue {
    /// Lowest priority first, and within a priority the latest comer first.
    waiters: Vec<(Handle, u8)>,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue { waiters: Vec::new() }
    }

    /// Makes room for `waiters` threads, so that queueing up to that many never allocates.
    pub fn reserve(&mut self, waiters: usize) -> Result<(), alloc::collections::TryReserveError> {
        self.waiters.try_reserve_exact(waiters.saturating_sub(self.waiters.len()))
    }

    /// Adds `thread` behind every waiter of the same or higher priority: in front of them in
    /// the vector, behind those of lower priority.
    pub fn push(&mut self, thread: Handle, priority: u8) {
        let at = self.waiters.iter().position(|&(_, p)| p >= priority).unwrap_or(self.waiters.len());
        self.waiters.insert(at, (thread, priority));
    }

    /// Takes the first (highest-priority, longest-waiting) thread.
    pub fn pop(&mut self) -> Option<Handle> {
        self.waiters.pop().map(|(t, _)| t)
    }

    /// The first (highest-priority, longest-waiting) thread, left in the queue.
    pub fn first(&self) -> Option<Handle> {
        self.waiters.last().map(|&(t, _)| t)
    }

    /// The priority of the first waiter.
    pub fn top_priority(&self) -> Option<u8> {
        self.waiters.last().map(|&(_, p)| p)
    }

    /// Removes `thread` if it waits here; true when it did.
    pub fn remove(&mut self, thread: Handle) -> bool {
        match self.waiters.iter().position(|&(t, _)| t == thread) {
            Some(at) => {
                self.waiters.remove(at);
                true
            }
            None => false,
        }
    }

    /// Moves `thread` to its place for a new priority.
    pub fn reposition(&mut self, thread: Handle, priority: u8) {
        if self.remove(thread) {
            self.push(thread, priority);
        }
    }

    /// Takes every waiter, in queue order.
    pub fn drain(&mut self) -> impl Iterator<Item = Handle> + '_ {
        self.waiters.drain(..).rev().map(|(t, _)| t)
    }

    /// True when nobody waits.
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// Number of waiters.
    pub fn len(&self) -> usize {
        self.waiters.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_order_then_fifo() {
        let h = |n| Handle::from_raw(n);
        let mut q = WaitQueue::new();
        q.push(h(1), 5);
        q.push(h(2), 9);
        q.push(h(3), 5);
        q.push(h(4), 9);
        assert_eq!(q.top_priority(), Some(9));
        q.reposition(h(3), 10);
        assert_eq!((q.first(), q.top_priority(), q.len()), (Some(h(3)), Some(10), 4));
        let order: alloc::vec::Vec<_> = q.drain().map(|t| t.raw()).collect();
        assert_eq!(order, [3, 2, 4, 1]);
        assert!(q.is_empty());
        for (n, p) in [(5, 1), (6, 7), (7, 1), (8, 7), (9, 3)] {
            q.push(h(n), p);
        }
        assert!(q.remove(h(8)) && !q.remove(h(8)));
        let popped: alloc::vec::Vec<_> = core::iter::from_fn(|| q.pop()).map(|t| t.raw()).collect();
        assert_eq!(popped, [6, 9, 5, 7]);
    }
}
