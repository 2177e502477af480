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

    /// Takes the thread [`ReadyQueues::pick_next`] would take among those `wanted` accepts:
    /// the longest-queued of the highest level that has one. Walks the queues (every queued
    /// thread at worst); for the pick of a CPU some threads may not run on.
    pub fn take_first(&mut self, mut wanted: impl FnMut(Handle) -> bool) -> Option<Handle> {
        let mut levels = self.non_empty;
        while levels != 0 {
            let level = (31 - levels.leading_zeros()) as u8;
            levels &= !(1 << level);
            if let Some(thread) = self.queues.first_where(level, &mut wanted) {
                self.remove(thread, level);
                return Some(thread);
            }
        }
        None
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
    fn take_first_skips_what_is_not_wanted() {
        let mut q = ReadyQueues::default();
        q.enqueue(h(1), 20, Requeue::Back);
        q.enqueue(h(2), 20, Requeue::Back);
        q.enqueue(h(3), 5, Requeue::Back);
        q.enqueue(h(4), 5, Requeue::Back);
        // Past the whole top level, and past the head of the next.
        assert_eq!(q.take_first(|t| t.raw() == 4), Some(h(4)));
        assert_eq!(q.take_first(|t| t.raw() == 2), Some(h(2)));
        assert_eq!(q.take_first(|_| false), None);
        // What was passed over kept its place.
        let order: alloc::vec::Vec<u64> = core::iter::from_fn(|| q.pick_next()).map(|t| t.raw()).collect();
        assert_eq!(order, [1, 3]);
        assert_eq!(q.top_level(), None);
        assert_eq!(q.take_first(|_| true), None);
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
