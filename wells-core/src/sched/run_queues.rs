//! Run queues threaded through one link table: 32 FIFO queues of threads, where a thread is in
//! at most one queue at a time, so one link per thread's table slot serves every queue.
//!
//! Queue, dequeue and removal are O(1) and never allocate once the link table covers the
//! slots in use ([`RunQueues::reserve`]); without a reservation the table grows to the highest
//! slot index queued so far (the object table's slots are reused, so it stops growing).

use super::PRIORITY_LEVELS;
use crate::handle::Handle;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;

/// No slot: the end of a queue, or a link that is in no queue.
const NONE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Link {
    /// The queued thread (the handle, not only its slot, so a stale handle is told apart).
    thread: Handle,
    next: u32,
    prev: u32,
    /// The level it is queued at, `None` when it is in no queue.
    level: Option<u8>,
}

const UNLINKED: Link = Link { thread: Handle::from_raw(0), next: NONE, prev: NONE, level: None };

/// Queue number of `level`: levels above the last share the last queue.
fn index(level: u8) -> usize {
    (level as usize).min(PRIORITY_LEVELS - 1)
}

/// FIFO queues, one per level, with links indexed by the thread handle's table slot.
pub struct RunQueues {
    links: Vec<Link>,
    heads: [u32; PRIORITY_LEVELS],
    tails: [u32; PRIORITY_LEVELS],
}

impl Default for RunQueues {
    fn default() -> Self {
        RunQueues { links: Vec::new(), heads: [NONE; PRIORITY_LEVELS], tails: [NONE; PRIORITY_LEVELS] }
    }
}

impl RunQueues {
    /// Makes room for threads of table slots `0..slots`, so queueing them never allocates.
    pub fn reserve(&mut self, slots: usize) -> Result<(), TryReserveError> {
        self.links.try_reserve_exact(slots.saturating_sub(self.links.len()))?;
        self.links.resize(self.links.len().max(slots), UNLINKED);
        Ok(())
    }

    /// Slots covered without allocating.
    pub fn capacity(&self) -> usize {
        self.links.capacity()
    }

    /// Queues `thread` at `level`, at the back or, with `front`, at the front. A
    /// thread already queued somewhere is moved.
    pub fn push(&mut self, thread: Handle, level: u8, front: bool) {
        let level = index(level);
        let slot = thread.slot();
        if slot >= self.links.len() {
            self.links.resize(slot + 1, UNLINKED);
        }
        if let Some(queued) = self.links[slot].level {
            let queued_thread = self.links[slot].thread;
            self.remove(queued_thread, queued);
        }
        let slot = slot as u32;
        let link = &mut self.links[slot as usize];
        link.thread = thread;
        link.level = Some(level as u8);
        if front {
            link.prev = NONE;
            link.next = self.heads[level];
            match self.heads[level] {
                NONE => self.tails[level] = slot,
                head => self.links[head as usize].prev = slot,
            }
            self.heads[level] = slot;
        } else {
            link.next = NONE;
            link.prev = self.tails[level];
            match self.tails[level] {
                NONE => self.heads[level] = slot,
                tail => self.links[tail as usize].next = slot,
            }
            self.tails[level] = slot;
        }
    }

    /// Takes `thread` out of queue `level`; false when it is not queued there.
    pub fn remove(&mut self, thread: Handle, level: u8) -> bool {
        let Some(link) = self.links.get(thread.slot()).copied() else { return false };
        let level = index(level);
        if link.thread != thread || link.level != Some(level as u8) {
            return false;
        }
        match link.prev {
            NONE => self.heads[level] = link.next,
            prev => self.links[prev as usize].next = link.next,
        }
        match link.next {
            NONE => self.tails[level] = link.prev,
            next => self.links[next as usize].prev = link.prev,
        }
        self.links[thread.slot()] = Link { thread, ..UNLINKED };
        true
    }

    /// The first thread of queue `level`.
    pub fn head(&self, level: u8) -> Option<Handle> {
        match self.heads[index(level)] {
            NONE => None,
            slot => Some(self.links[slot as usize].thread),
        }
    }

    /// Takes the first thread of queue `level`.
    pub fn pop(&mut self, level: u8) -> Option<Handle> {
        let thread = self.head(level)?;
        self.remove(thread, level);
        Some(thread)
    }

    /// True when queue `level` is empty.
    pub fn is_empty(&self, level: u8) -> bool {
        self.head(level).is_none()
    }
}
