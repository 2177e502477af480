//! The classic policy: 32 priority levels, round-robin within a level, O(1) selection through a
//! bitmap of non-empty run queues.

use super::policy::{Placement, Policy, Requeue, Runnable};
use super::run_queues::RunQueues;
use super::{PRIORITY_LEVELS, TIME_SLICE_NS};
use crate::error::{Error, Result};
use crate::handle::Handle;

/// Fixed-priority preemptive scheduling with round-robin time slices.
pub struct ClassicPolicy {
    queues: RunQueues,
    /// Bit `p` is set when queue `p` is not empty.
    non_empty: u32,
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
        ClassicPolicy { queues: RunQueues::default(), non_empty: 0, slice_ns }
    }

    fn level(priority: u8) -> u8 {
        priority.min(PRIORITY_LEVELS as u8 - 1)
    }

    /// Clears the level's bit once its queue is empty.
    fn note_taken(&mut self, level: u8) {
        if self.queues.is_empty(level) {
            self.non_empty &= !(1 << level);
        }
    }
}

impl Policy for ClassicPolicy {
    fn place(&self, thread: &Runnable) -> Placement {
        Placement { level: thread.priority, slice_ns: self.slice_ns, ..Placement::default() }
    }

    fn enqueue(&mut self, thread: Handle, level: u8, at: Requeue) {
        let level = Self::level(level);
        self.queues.push(thread, level, at == Requeue::Front);
        self.non_empty |= 1 << level;
    }

    fn remove(&mut self, thread: Handle, level: u8) -> bool {
        let level = Self::level(level);
        let removed = self.queues.remove(thread, level);
        self.note_taken(level);
        removed
    }

    fn pick_next(&mut self) -> Option<Handle> {
        let level = self.top_level()?;
        let thread = self.queues.pop(level);
        self.note_taken(level);
        thread
    }

    fn head(&self, level: u8) -> Option<Handle> {
        self.queues.head(Self::level(level))
    }

    fn top_level(&self) -> Option<u8> {
        match self.non_empty {
            0 => None,
            bits => Some((31 - bits.leading_zeros()) as u8),
        }
    }

    fn reserve(&mut self, slots: usize) -> Result<()> {
        self.queues.reserve(slots).map_err(|_| Error::NoMemory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u64) -> Handle {
        Handle::from_raw(n)
    }

    #[test]
    fn highest_priority_first_and_fifo_within_a_level() {
        let mut p = ClassicPolicy::default();
        p.enqueue(h(1), 3, Requeue::Back);
        p.enqueue(h(2), 20, Requeue::Back);
        p.enqueue(h(3), 3, Requeue::Back);
        p.enqueue(h(4), 20, Requeue::Front);
        assert_eq!(p.top_level(), Some(20));
        let order: Vec<u64> = core::iter::from_fn(|| p.pick_next()).map(|t| t.raw()).collect();
        assert_eq!(order, [4, 2, 1, 3]);
        assert_eq!(p.top_level(), None);
    }

    #[test]
    fn remove_clears_the_bitmap() {
        let mut p = ClassicPolicy::default();
        p.enqueue(h(1), 31, Requeue::Back);
        p.enqueue(h(2), 0, Requeue::Back);
        assert!(p.remove(h(1), 31));
        assert!(!p.remove(h(1), 31));
        assert_eq!(p.top_level(), Some(0));
        assert_eq!(p.pick_next(), Some(h(2)));
        assert_eq!(p.pick_next(), None);
    }
}
