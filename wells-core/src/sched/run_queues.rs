//! Run queues threaded through one link table: 32 FIFO queues of threads, where a thread is in
//! at most one queue at a time, so one link per thread's table slot serves every queue.
//!
//! Singly linked, with a head and a tail per queue: queueing at either end and taking the
//! first thread are O(1) and as cheap as a ring buffer; removing a thread from the middle
//! (a priority change, a kill) walks its queue, as the ring buffer did. Nothing allocates
//! once the link table covers the slots in use ([`RunQueues::reserve`]); without a
//! reservation the table grows to the highest slot index queued so far (the object table
//! reuses its slots, so it stops growing).

use super::PRIORITY_LEVELS;
use crate::handle::Handle;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;

/// No slot: the end of a queue.
const NONE: u32 = u32::MAX;
/// The level of a link that is in no queue.
const NOT_QUEUED: u8 = u8::MAX;

#[derive(Clone, Copy)]
struct Link {
    /// The queued thread (the handle, not only its slot, so a stale handle is told apart).
    thread: Handle,
    next: u32,
    /// The queue it is in, [`NOT_QUEUED`] when none.
    level: u8,
}

const UNLINKED: Link = Link { thread: Handle::from_raw(0), next: NONE, level: NOT_QUEUED };

/// Queue number of `level`: levels above the last share the last queue.
#[inline]
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

    /// Queues `thread` at `level`, at the back or, with `front`, at the front. A thread
    /// already queued somewhere is moved.
    #[inline]
    pub fn push(&mut self, thread: Handle, level: u8, front: bool) {
        let level = index(level);
        let slot = thread.slot();
        if self.links.get(slot).is_none_or(|link| link.level != NOT_QUEUED) {
            self.make_free(slot);
        }
        let (head, tail) = (self.heads[level], self.tails[level]);
        let at = slot as u32;
        // One slice for both links: its length and address stay in registers, where each
        // index through the vector reloads them (`cargo xtask bench`, arm64 switch 329 -> 326).
        let links = self.links.as_mut_slice();
        if front {
            links[slot] = Link { thread, next: head, level: level as u8 };
            if head == NONE {
                self.tails[level] = at;
            }
            self.heads[level] = at;
        } else {
            links[slot] = Link { thread, next: NONE, level: level as u8 };
            match tail {
                NONE => self.heads[level] = at,
                tail => links[tail as usize].next = at,
            }
            self.tails[level] = at;
        }
    }

    /// Makes link `slot` exist and belong to no queue (the uncommon cases of [`RunQueues::push`],
    /// out of line so queueing stays short).
    #[cold]
    #[inline(never)]
    fn make_free(&mut self, slot: usize) {
        if slot >= self.links.len() {
            self.links.resize(slot + 1, UNLINKED);
        }
        if self.links[slot].level != NOT_QUEUED {
            let queued = self.links[slot];
            self.remove(queued.thread, queued.level);
        }
    }

    /// Takes the first thread of queue `level`.
    #[inline]
    pub fn pop(&mut self, level: u8) -> Option<Handle> {
        let level = index(level);
        let slot = self.heads[level];
        if slot == NONE {
            return None;
        }
        let link = &mut self.links[slot as usize];
        link.level = NOT_QUEUED;
        self.heads[level] = link.next;
        if link.next == NONE {
            self.tails[level] = NONE;
        }
        Some(link.thread)
    }

    /// Takes `thread` out of queue `level`; false when it is not queued there. Walks the
    /// queue up to it.
    pub fn remove(&mut self, thread: Handle, level: u8) -> bool {
        let level = index(level);
        let slot = thread.slot();
        match self.links.get(slot) {
            Some(link) if link.thread == thread && link.level as usize == level => {}
            _ => return false,
        }
        let at = slot as u32;
        let next = self.links[slot].next;
        self.links[slot].level = NOT_QUEUED;
        if self.heads[level] == at {
            self.heads[level] = next;
        } else {
            let mut prev = self.heads[level];
            while self.links[prev as usize].next != at {
                prev = self.links[prev as usize].next;
            }
            self.links[prev as usize].next = next;
            if next == NONE {
                self.tails[level] = prev;
            }
            return true;
        }
        if next == NONE {
            self.tails[level] = NONE;
        }
        true
    }

    /// The first thread of queue `level`, from the front, that `wanted` accepts. Walks the
    /// queue up to it.
    pub fn first_where(&self, level: u8, mut wanted: impl FnMut(Handle) -> bool) -> Option<Handle> {
        let mut slot = self.heads[index(level)];
        while slot != NONE {
            let link = self.links[slot as usize];
            if wanted(link.thread) {
                return Some(link.thread);
            }
            slot = link.next;
        }
        None
    }

    /// The first thread of queue `level`.
    #[inline]
    pub fn head(&self, level: u8) -> Option<Handle> {
        match self.heads[index(level)] {
            NONE => None,
            slot => Some(self.links[slot as usize].thread),
        }
    }

    /// True when queue `level` is empty.
    #[inline]
    pub fn is_empty(&self, level: u8) -> bool {
        self.heads[index(level)] == NONE
    }
}
