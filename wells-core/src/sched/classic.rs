//! The classic policy: 32 priority levels, round-robin within a level, O(1) selection through a
//! bitmap of non-empty run queues.

use super::policy::{Placement, Policy, Requeue, Runnable};
use super::{PRIORITY_LEVELS, TIME_SLICE_NS};
use crate::handle::Handle;
use alloc::collections::VecDeque;

/// Fixed-priority preemptive scheduling with round-robin time slices.
pub struct ClassicPolicy {
    queues: [VecDeque<Handle>; PRIORITY_LEVELS],
    /// Bit `p` is set when `queues[p]` is not empty.
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
        ClassicPolicy { queues: core::array::from_fn(|_| VecDeque::new()), non_empty: 0, slice_ns }
    }

    fn level(priority: u8) -> usize {
        (priority as usize).min(PRIORITY_LEVELS - 1)
    }
}

impl Policy for ClassicPolicy {
    fn place(&self, thread: &Runnable) -> Placement {
        Placement { level: thread.priority, slice_ns: self.slice_ns, ..Placement::default() }
    }

    fn enqueue(&mut self, thread: Handle, level: u8, at: Requeue) {
        let level = Self::level(level);
        match at {
            Requeue::Front => self.queues[level].push_front(thread),
            Requeue::Back => self.queues[level].push_back(thread),
        }
        self.non_empty |= 1 << level;
    }

    fn remove(&mut self, thread: Handle, level: u8) -> bool {
        let level = Self::level(level);
        let queue = &mut self.queues[level];
        let Some(at) = queue.iter().position(|&t| t == thread) else { return false };
        queue.remove(at);
        if queue.is_empty() {
            self.non_empty &= !(1 << level);
        }
        true
    }

    fn pick_next(&mut self) -> Option<Handle> {
        let level = self.top_level()? as usize;
        let queue = &mut self.queues[level];
        let thread = queue.pop_front();
        if queue.is_empty() {
            self.non_empty &= !(1 << level);
        }
        thread
    }

    fn head(&self, level: u8) -> Option<Handle> {
        self.queues[Self::level(level)].front().copied()
    }

    fn top_level(&self) -> Option<u8> {
        match self.non_empty {
            0 => None,
            bits => Some((31 - bits.leading_zeros()) as u8),
        }
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
