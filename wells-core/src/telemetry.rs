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
    /// A thread entered a system call (`arg` = the call number).
    SyscallEnter = 11,
    /// A system call returned to its thread (`arg` = 0, or the error's status code).
    SyscallExit = 12,
    /// An interrupt was taken while `thread` ran (none: idle) (`arg` = interrupt ID).
    IrqEnter = 13,
    /// The interrupt handler returned to `thread` (`arg` = interrupt ID). When the interrupt
    /// switched threads, this comes when the interrupted thread runs again.
    IrqExit = 14,
    /// A guest made a hypercall (`thread` = its vCPU; `arg` = the call's function number).
    Hypercall = 15,
    /// A vCPU entered its guest (`arg` = 0).
    VmEntry = 16,
    /// A vCPU's guest exited to the hypervisor (`arg` = the exit's syndrome class).
    VmExit = 17,
    /// A decision set placed a thread becoming runnable (`arg` = index of the rule that matched).
    SetPick = 18,
    /// A thread ended (`arg` = its exit code, sign-extended).
    Exit = 19,
}

impl EventKind {
    /// Every kind, in code order.
    pub const ALL: [EventKind; 19] = [
        EventKind::Switch,
        EventKind::Wake,
        EventKind::Block,
        EventKind::DeadlineMiss,
        EventKind::TxnBegin,
        EventKind::TxnCommit,
        EventKind::TxnAbort,
        EventKind::TxnConflict,
        EventKind::SetLoaded,
        EventKind::SetReverted,
        EventKind::SyscallEnter,
        EventKind::SyscallExit,
        EventKind::IrqEnter,
        EventKind::IrqExit,
        EventKind::Hypercall,
        EventKind::VmEntry,
        EventKind::VmExit,
        EventKind::SetPick,
        EventKind::Exit,
    ];

    /// Short lower-case name, as trace dumps print it (`trace: ... <name> ...`).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Switch => "switch",
            EventKind::Wake => "wake",
            EventKind::Block => "block",
            EventKind::DeadlineMiss => "deadline-miss",
            EventKind::TxnBegin => "txn-begin",
            EventKind::TxnCommit => "txn-commit",
            EventKind::TxnAbort => "txn-abort",
            EventKind::TxnConflict => "txn-conflict",
            EventKind::SetLoaded => "set-loaded",
            EventKind::SetReverted => "set-reverted",
            EventKind::SyscallEnter => "syscall-enter",
            EventKind::SyscallExit => "syscall-exit",
            EventKind::IrqEnter => "irq-enter",
            EventKind::IrqExit => "irq-exit",
            EventKind::Hypercall => "hypercall",
            EventKind::VmEntry => "vm-entry",
            EventKind::VmExit => "vm-exit",
            EventKind::SetPick => "set-pick",
            EventKind::Exit => "exit",
        }
    }
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
        if !cfg!(feature = "telemetry") {
            return Err(Error::NotSupported);
        }
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
        if self.on() {
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

    /// Whether the ring records (it has been enabled).
    #[inline]
    pub fn on(&self) -> bool {
        // Compiled out: false, so the compiler drops every recording path.
        cfg!(feature = "telemetry") && self.capacity != 0
    }

    /// Records that a decision set placed `thread` by its rule `rule` (`Placement::rule`: 0
    /// when the classic placement applied, which records nothing). One test without a decision set.
    #[inline]
    pub fn record_pick(&mut self, time_ns: u64, thread: Handle, rule: u16) {
        // The rule first: it is in a register, the capacity in memory.
        if rule != 0 && self.on() {
            self.record(time_ns, EventKind::SetPick, Some(thread), rule as u64 - 1);
        }
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

#[cfg(all(test, feature = "telemetry"))]
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

    #[test]
    fn kinds_have_their_codes_and_distinct_names() {
        for (i, kind) in EventKind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i + 1, "{kind:?}");
            assert!(EventKind::ALL[..i].iter().all(|k| k.name() != kind.name()), "{kind:?}");
        }
    }

    #[test]
    fn picks_are_recorded_only_for_rules_and_only_when_on() {
        let thread = Handle::from_raw(0x0001_0002_0003);
        let mut ring = Ring::default();
        ring.record_pick(1, thread, 3);
        assert_eq!(ring.next_sequence(), 0);
        ring.enable(8).unwrap();
        ring.record_pick(2, thread, 0);
        assert_eq!(ring.next_sequence(), 0, "classic placement: nothing");
        ring.record_pick(3, thread, 3);
        let mut out = [Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 }; 2];
        assert_eq!(ring.read(0, &mut out), (1, 0));
        assert_eq!((out[0].kind, out[0].arg, out[0].time_ns), (EventKind::SetPick, 2, 3));
    }
}
