//! Wait queues: threads waiting on one object, highest priority first, FIFO within a priority.

use crate::handle::Handle;
use alloc::collections::VecDeque;

/// Threads blocked on one object. Each entry remembers the priority it was queued at so the
/// queue stays ordered without looking threads up; [`WaitQueue::reposition`] follows a change.
#[derive(Default)]
pub struct WaitQueue {
    waiters: VecDeque<(Handle, u8)>,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue { waiters: VecDeque::new() }
    }

    /// Makes room for `waiters` threads, so that queueing up to that many never allocates.
    pub fn reserve(&mut self, waiters: usize) -> Result<(), alloc::collections::TryReserveError> {
        self.waiters.try_reserve_exact(waiters.saturating_sub(self.waiters.len()))
    }

    /// Adds `thread` behind every waiter of the same or higher priority. The common cases, an
    /// empty queue or a waiter no more urgent than the last, append without a scan.
    pub fn push(&mut self, thread: Handle, priority: u8) {
        match self.waiters.back() {
            Some(&(_, last)) if last < priority => {
                let at = self.waiters.iter().position(|&(_, p)| p < priority).unwrap_or(self.waiters.len());
                self.waiters.insert(at, (thread, priority));
            }
            _ => self.waiters.push_back((thread, priority)),
        }
    }

    /// Takes the first (highest-priority, longest-waiting) thread.
    pub fn pop(&mut self) -> Option<Handle> {
        self.waiters.pop_front().map(|(t, _)| t)
    }

    /// The first (highest-priority, longest-waiting) thread, left in the queue.
    pub fn first(&self) -> Option<Handle> {
        self.waiters.front().map(|&(t, _)| t)
    }

    /// The priority of the first waiter.
    pub fn top_priority(&self) -> Option<u8> {
        self.waiters.front().map(|&(_, p)| p)
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
        self.waiters.drain(..).map(|(t, _)| t)
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
        let order: alloc::vec::Vec<_> = q.drain().map(|t| t.raw()).collect();
        assert_eq!(order, [3, 2, 4, 1]);
    }
}
