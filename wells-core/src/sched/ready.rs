//! The ready queues: 32 FIFO run queues, one per level, and a bitmap of the non-empty ones, so
//! the next thread is found in O(1) (the highest set bit, then the head of that queue). The
//! kernel owns them; a policy only says at which level a thread is queued.

use super::policy::Requeue;
use super::run_queues::RunQueues;
use super::PRIORITY_LEVELS;
use crate::error::{Error, Result};
use crate::handle::Handle;

/// Runnable threads by level.
#[derive(Default)]
pub struct ReadyQueues {
    queues: RunQueues,
    /// Bit `p` is set when queue `p` is not empty.
    non_empty: u32,
}

impl ReadyQueues {
    #[inline]
    fn level(level: u8) -> u8 {
        level.min(PRIORITY_LEVELS as u8 - 1)
    }

    /// Clears the level's bit once its queue is empty.
    #[inline]
    fn note_taken(&mut self, level: u8) {
        if self.queues.is_empty(level) {
            self.non_empty &= !(1 << level);
        }
    }

    /// `thread` is runnable at `level` (levels above the last share the last queue).
    #[inline]
    pub fn enqueue(&mut self, thread: Handle, level: u8, at: Requeue) {
        let level = Self::level(level);
        self.queues.push(thread, level, at == Requeue::Front);
        self.non_empty |= 1 << level;
    }

    /// `thread`, queued at `level`, is no longer runnable; false if it was not queued there.
    pub fn remove(&mut self, thread: Handle, level: u8) -> bool {
        let level = Self::level(level);
        let removed = self.queues.remove(thread, level);
        self.note_taken(level);
        removed
    }

    /// Takes the next thread to run: the longest-queued of the highest level.
    #[inline]
    pub fn pick_next(&mut self) -> Option<Handle> {
        let level = self.top_level()?;
        let thread = self.queues.pop(level);
        self.note_taken(level);
        thread
    }

    /// The level [`ReadyQueues::pick_next`] would take from, to decide preemption.
    #[inline]
    pub fn top_level(&self) -> Option<u8> {
        match self.non_empty {
            0 => None,
            bits => Some((31 - bits.leading_zeros()) as u8),
        }
    }

    /// The thread that has waited longest at `level` (the wait-bound guard looks at these).
    pub fn head(&self, level: u8) -> Option<Handle> {
        self.queues.head(Self::level(level))
    }

    /// Makes room for threads of object-table slots `0..slots`, so that queueing them never
    /// allocates (a static configuration's bound).
    pub fn reserve(&mut self, slots: usize) -> Result<()> {
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
    fn highest_level_first_and_fifo_within_a_level() {
        let mut q = ReadyQueues::default();
        q.enqueue(h(1), 3, Requeue::Back);
        q.enqueue(h(2), 20, Requeue::Back);
        q.enqueue(h(3), 3, Requeue::Back);
        q.enqueue(h(4), 20, Requeue::Front);
        assert_eq!(q.top_level(), Some(20));
        let order: alloc::vec::Vec<u64> = core::iter::from_fn(|| q.pick_next()).map(|t| t.raw()).collect();
        assert_eq!(order, [4, 2, 1, 3]);
        assert_eq!(q.top_level(), None);
    }

    #[test]
    fn remove_clears_the_bitmap() {
        let mut q = ReadyQueues::default();
        q.enqueue(h(1), 31, Requeue::Back);
        q.enqueue(h(2), 0, Requeue::Back);
        assert!(q.remove(h(1), 31));
        assert!(!q.remove(h(1), 31));
        assert_eq!(q.top_level(), Some(0));
        assert_eq!(q.pick_next(), Some(h(2)));
        assert_eq!(q.pick_next(), None);
    }
}
