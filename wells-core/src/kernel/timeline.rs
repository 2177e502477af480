//! The timeline: every deadline the kernel waits for (timeouts, sleeps, timers), in order.

use crate::handle::Handle;
use alloc::collections::BTreeMap;

/// What happens when a deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// A thread's sleep or timed wait ends.
    Thread(Handle),
    /// A timer fires.
    Timer(Handle),
    /// A transaction's deadline passes.
    Transaction(Handle),
}

/// Key of one entry: deadline, then insertion order so equal deadlines stay FIFO.
pub type TimelineKey = (u64, u64);

/// Deadline-ordered wake-ups; insert, cancel and pop are O(log n).
#[derive(Default)]
pub struct Timeline {
    entries: BTreeMap<TimelineKey, Wakeup>,
    next_sequence: u64,
    /// Set by every change; the kernel re-arms the host timer only after one.
    changed: bool,
}

impl Timeline {
    /// Adds `wakeup` at `deadline_ns`; the key cancels it.
    pub fn insert(&mut self, deadline_ns: u64, wakeup: Wakeup) -> TimelineKey {
        let key = (deadline_ns, self.next_sequence);
        self.next_sequence += 1;
        self.entries.insert(key, wakeup);
        self.changed = true;
        key
    }

    /// Cancels an entry (nothing happens if it already fired).
    pub fn remove(&mut self, key: TimelineKey) {
        self.changed |= self.entries.remove(&key).is_some();
    }

    /// True once after any change.
    pub fn take_changed(&mut self) -> bool {
        core::mem::take(&mut self.changed)
    }

    /// The earliest deadline.
    pub fn first_deadline(&self) -> Option<u64> {
        self.entries.keys().next().map(|&(deadline, _)| deadline)
    }

    /// Takes the earliest entry if its deadline is at or before `now_ns`.
    pub fn pop_due(&mut self, now_ns: u64) -> Option<(u64, Wakeup)> {
        let entry = self.entries.first_entry()?;
        if entry.key().0 > now_ns {
            return None;
        }
        let deadline = entry.key().0;
        self.changed = true;
        Some((deadline, entry.remove()))
    }

    /// True when nothing waits for time.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
