//! Telemetry: what an advisor (or a person) reads to judge the scheduling — a fixed-size ring of
//! events and per-thread counters. The ring is off until someone asks for it
//! (`Kernel::telemetry_enable`), so small boards pay nothing; once on, recording is O(1) and
//! never allocates, and when readers fall behind the oldest events are overwritten and counted
//! as dropped.

use crate::error::Error;
use crate::handle::Handle;
use alloc::vec::Vec;

/// Most events a ring may hold.
pub const MAX_RING_SIZE: usize = 1 << 16;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EventKind {
    /// A thread was switched onto the CPU (`thread`; `arg` = its run-queue level).
    Switch = 1,
    /// A thread became runnable (`arg` = level).
    Wake = 2,
    /// A thread blocked or went to sleep.
    Block = 3,
    /// A thread ended a release after its deadline (`arg` = ns late).
    DeadlineMiss = 4,
    /// A transaction got its first member (`thread` = the transaction).
    TxnBegin = 5,
    /// A transaction committed (`thread` = the transaction).
    TxnCommit = 6,
    /// A transaction aborted (`thread` = the transaction; `arg` = reason code).
    TxnAbort = 7,
    /// A transaction aborted on a conflict (`thread` = the transaction; `arg` = object raw).
    TxnConflict = 8,
    /// A decision set was loaded (`arg` = rule count).
    SetLoaded = 9,
    /// The guard put the previous set back (`arg` = misses in the window that tripped it).
    SetReverted = 10,
}

/// One event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Position in the stream of all events ever recorded (starts at 0).
    pub sequence: u64,
    pub time_ns: u64,
    pub kind: EventKind,
    /// The thread or transaction concerned (raw handle; 0 when none).
    pub subject: u64,
    pub arg: u64,
}

/// The event ring (empty, recording nothing, until enabled).
#[derive(Default)]
pub struct Ring {
    events: Vec<Event>,
    capacity: usize,
    next_sequence: u64,
}

impl Ring {
    /// Starts recording into a ring of `capacity` events (1..=MAX_RING_SIZE): `InvalidArgument`
    /// out of range, `NoMemory` when the memory is not there (the ring in force then stays).
    pub fn enable(&mut self, capacity: usize) -> Result<(), Error> {
        if capacity == 0 || capacity > MAX_RING_SIZE {
            return Err(Error::InvalidArgument);
        }
        let mut events = Vec::new();
        events.try_reserve_exact(capacity).map_err(|_| Error::NoMemory)?;
        *self = Ring { events, capacity, next_sequence: self.next_sequence };
        Ok(())
    }

    /// Records an event (nothing while the ring is off: one inline test, so the paths that
    /// record cost nothing more while nobody reads).
    #[inline]
    pub fn record(&mut self, time_ns: u64, kind: EventKind, subject: Option<Handle>, arg: u64) {
        if self.capacity != 0 {
            self.store(time_ns, kind, subject, arg);
        }
    }

    /// [`Ring::record`] while the ring is on.
    #[inline(never)]
    fn store(&mut self, time_ns: u64, kind: EventKind, subject: Option<Handle>, arg: u64) {
        let sequence = self.next_sequence;
        let event = Event { sequence, time_ns, kind, subject: subject.map_or(0, |h| h.raw()), arg };
        let slot = (sequence % self.capacity as u64) as usize;
        match self.events.get_mut(slot) {
            Some(old) => *old = event,
            None => self.events.push(event),
        }
        self.next_sequence += 1;
    }

    /// Copies events from sequence `from` on into `out`; returns how many were copied and how
    /// many between `from` and the oldest still held were lost.
    pub fn read(&self, from: u64, out: &mut [Event]) -> (usize, u64) {
        if self.capacity == 0 {
            return (0, 0);
        }
        let oldest = self.next_sequence.saturating_sub(self.capacity as u64);
        let start = from.max(oldest);
        let dropped = start - from.min(start);
        let mut copied = 0;
        for sequence in start..self.next_sequence {
            let Some(slot) = out.get_mut(copied) else { break };
            if let Some(event) = self.events.get((sequence % self.capacity as u64) as usize) {
                *slot = *event;
                copied += 1;
            }
        }
        (copied, dropped)
    }

    /// Sequence number the next event will get.
    pub fn next_sequence(&self) -> u64 {
        self.next_sequence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RING_SIZE: usize = 512;

    #[test]
    fn overwrites_the_oldest_and_counts_what_was_lost() {
        let mut ring = Ring::default();
        ring.record(0, EventKind::Wake, None, 0);
        assert_eq!(ring.next_sequence(), 0, "off: nothing recorded");
        assert_eq!(ring.enable(0), Err(Error::InvalidArgument));
        assert_eq!(ring.enable(MAX_RING_SIZE + 1), Err(Error::InvalidArgument));
        assert_eq!(ring.enable(RING_SIZE), Ok(()));
        for i in 0..(RING_SIZE as u64 + 10) {
            ring.record(i, EventKind::Wake, None, i);
        }
        let mut out = [Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 }; 4];
        let (copied, dropped) = ring.read(0, &mut out);
        assert_eq!((copied, dropped), (4, 10));
        assert_eq!(out[0].sequence, 10);
        let (copied, dropped) = ring.read(ring.next_sequence() - 2, &mut out);
        assert_eq!((copied, dropped), (2, 0));
        assert_eq!(out[1].arg, RING_SIZE as u64 + 9);
    }
}
