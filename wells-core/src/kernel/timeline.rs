//! The timeline: every deadline the kernel waits for (timeouts, sleeps, timers), in order.
//!
//! A binary min-heap of entries plus a table of entry slots that says where each entry is in
//! the heap, so a cancel finds its entry in O(1) and removes it in O(log n). All three vectors
//! only grow when more entries are live than ever before; [`Timeline::reserve`] sizes them up
//! front (a kernel's objects each have at most one entry), after which nothing allocates.

use crate::handle::Handle;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;

/// What happens when a deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// A thread's sleep or timed wait ends.
    Thread(Handle),
    /// A timer fires.
    Timer(Handle),
    /// A transaction's deadline passes.
    Transaction(Handle),
    /// A throttled domain's next budget period starts.
    Budget(crate::domain::DomainId),
}

/// Names one entry, to cancel it: its slot, and its sequence number so that a key whose
/// entry already fired (its slot since reused) cancels nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineKey {
    slot: u32,
    sequence: u64,
}

/// One deadline; the heap orders by deadline, then sequence (equal deadlines stay FIFO).
#[derive(Clone, Copy)]
struct Entry {
    deadline_ns: u64,
    sequence: u64,
    slot: u32,
    wakeup: Wakeup,
}

impl Entry {
    fn before(&self, other: &Entry) -> bool {
        (self.deadline_ns, self.sequence) < (other.deadline_ns, other.sequence)
    }
}

/// A slot that holds no entry.
const FREE: u32 = u32::MAX;

/// Deadline-ordered wake-ups; insert, cancel and pop are O(log n), the first deadline O(1).
#[derive(Default)]
pub struct Timeline {
    heap: Vec<Entry>,
    /// Heap index of each slot's entry, [`FREE`] when the slot is unused.
    position: Vec<u32>,
    /// Unused slots.
    free: Vec<u32>,
    next_sequence: u64,
    /// Set by every change; the kernel re-arms the host timer only after one.
    changed: bool,
}

impl Timeline {
    /// Makes room for `entries` live entries, so inserting up to that many never allocates.
    pub fn reserve(&mut self, entries: usize) -> Result<(), TryReserveError> {
        self.heap.try_reserve_exact(entries.saturating_sub(self.heap.len()))?;
        self.position.try_reserve_exact(entries.saturating_sub(self.position.len()))?;
        self.free.try_reserve_exact(entries.saturating_sub(self.free.len()))?;
        Ok(())
    }

    /// How many live entries fit without allocating.
    pub fn capacity(&self) -> usize {
        self.heap.capacity().min(self.position.capacity()).min(self.free.capacity())
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Adds `wakeup` at `deadline_ns`; the key cancels it.
    pub fn insert(&mut self, deadline_ns: u64, wakeup: Wakeup) -> TimelineKey {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.position.push(FREE);
                // Keep room to free every slot, so `remove` never allocates.
                self.free.reserve(self.position.len() - self.free.len());
                (self.position.len() - 1) as u32
            }
        };
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let at = self.heap.len();
        self.heap.push(Entry { deadline_ns, sequence, slot, wakeup });
        self.position[slot as usize] = at as u32;
        self.sift_up(at);
        self.changed = true;
        TimelineKey { slot, sequence }
    }

    /// Cancels an entry (nothing happens if it already fired).
    pub fn remove(&mut self, key: TimelineKey) {
        let Some(&at) = self.position.get(key.slot as usize) else { return };
        if at == FREE || self.heap[at as usize].sequence != key.sequence {
            return;
        }
        self.take(at as usize);
        self.changed = true;
    }

    /// True once after any change.
    #[inline]
    pub fn take_changed(&mut self) -> bool {
        core::mem::take(&mut self.changed)
    }

    /// The earliest deadline.
    pub fn first_deadline(&self) -> Option<u64> {
        self.heap.first().map(|e| e.deadline_ns)
    }

    /// Takes the earliest entry if its deadline is at or before `now_ns`.
    pub fn pop_due(&mut self, now_ns: u64) -> Option<(u64, Wakeup)> {
        if self.heap.first()?.deadline_ns > now_ns {
            return None;
        }
        let entry = self.take(0);
        self.changed = true;
        Some((entry.deadline_ns, entry.wakeup))
    }

    /// True when nothing waits for time.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Removes the entry at heap index `at`: the last entry fills its place and moves to
    /// where it belongs.
    fn take(&mut self, at: usize) -> Entry {
        let entry = self.heap.swap_remove(at);
        self.position[entry.slot as usize] = FREE;
        self.free.push(entry.slot);
        if at < self.heap.len() {
            self.position[self.heap[at].slot as usize] = at as u32;
            self.sift_up(at);
            self.sift_down(at);
        }
        entry
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.position[self.heap[a].slot as usize] = a as u32;
        self.position[self.heap[b].slot as usize] = b as u32;
    }

    fn sift_up(&mut self, mut at: usize) {
        while at > 0 {
            let parent = (at - 1) / 2;
            if !self.heap[at].before(&self.heap[parent]) {
                return;
            }
            self.swap(at, parent);
            at = parent;
        }
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let (left, right) = (2 * at + 1, 2 * at + 2);
            let mut first = at;
            if left < self.heap.len() && self.heap[left].before(&self.heap[first]) {
                first = left;
            }
            if right < self.heap.len() && self.heap[right].before(&self.heap[first]) {
                first = right;
            }
            if first == at {
                return;
            }
            self.swap(at, first);
            at = first;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_deadline_order_and_respects_cancel() {
        let h = Handle::from_raw;
        let mut t = Timeline::default();
        t.insert(30, Wakeup::Thread(h(1)));
        let k = t.insert(10, Wakeup::Timer(h(2)));
        t.insert(20, Wakeup::Thread(h(3)));
        t.insert(20, Wakeup::Thread(h(4)));
        t.remove(k);
        assert_eq!(t.first_deadline(), Some(20));
        assert_eq!(t.pop_due(19), None);
        assert_eq!(t.pop_due(25), Some((20, Wakeup::Thread(h(3)))));
        assert_eq!(t.pop_due(25), Some((20, Wakeup::Thread(h(4)))));
        assert_eq!(t.pop_due(25), None);
        assert_eq!(t.pop_due(30), Some((30, Wakeup::Thread(h(1)))));
        assert!(t.is_empty());
    }
}
