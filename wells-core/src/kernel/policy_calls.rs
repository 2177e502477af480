//! Scheduling-policy calls: thread classes and deadlines, and loading a decision set.

use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::Handle;
use crate::sched::guard::Revert;
use crate::sched::{DecisionSet, SchedClass, SetError};
use crate::telemetry::{Event, EventKind};

impl<A: Arch> Kernel<A> {
    /// Gives a thread a scheduling class and, optionally, a deadline relative to each of its
    /// releases (start, wake-up). Takes effect the next time it becomes runnable. A deadline
    /// answers `NotSupported` without feature `deadlines` (and nothing changes).
    pub fn thread_set_class(&self, thread: Handle, class: SchedClass, relative_deadline_ns: Option<u64>) -> Result<()> {
        if relative_deadline_ns.is_some() && !cfg!(feature = "deadlines") {
            return Err(Error::NotSupported);
        }
        let mut cs = self.critical();
        let thread = cs.thread_mut(thread)?;
        thread.class = class;
        thread.relative_deadline_ns = relative_deadline_ns;
        Ok(())
    }

    /// Validates a binary decision set (untrusted input, see `sched::decision::format`) and
    /// swaps it in at once; threads are placed by it from the next time they become runnable.
    /// A refused set leaves the one in force, and the error names the bad rule and field.
    pub fn policy_load(&self, bytes: &[u8]) -> core::result::Result<(), SetError> {
        if !cfg!(feature = "decision-sets") {
            return Err(SetError { rule: None, field: "decision sets are not built into this kernel" });
        }
        if self.is_sealed() {
            return Err(SetError { rule: None, field: "kernel sealed (static configuration): no new decision sets" });
        }
        let now = self.host.now_ns();
        let mut cs = self.critical();
        // Parsed inside the critical section: a caller preempted while holding the parsed set
        // could be restarted or ended by a transaction's fate, and the set lost (#23).
        let set = DecisionSet::parse(bytes)?;
        let rules = set.rules.len() as u64;
        cs.sched
            .load_set(set)
            .map_err(|_: Error| SetError { rule: None, field: "policy (this kernel's policy takes no decision sets)" })?;
        cs.sched.guard_mut().set_loaded(now);
        cs.telemetry.record(now, EventKind::SetLoaded, None, rules);
        Ok(())
    }

    /// Rules of the decision set in force (0: none, classic scheduling).
    pub fn policy_rules(&self) -> usize {
        self.critical().sched.policy().rules_in_force()
    }

    /// Drops the decision set: classic scheduling again.
    pub fn policy_clear(&self) {
        let mut cs = self.critical();
        cs.sched.clear_set();
        cs.sched.guard_mut().set_cleared();
    }

    /// Sets the guard: deadline misses are counted per `window_ns` (0: guard off), and a loaded
    /// set with more than `margin` misses per window over the window before it is reverted.
    pub fn policy_guard(&self, window_ns: u64, margin: u32) {
        let mut cs = self.critical();
        let guard = cs.sched.guard_mut();
        guard.window_ns = window_ns;
        guard.margin = margin;
    }

    /// Bounds how long a runnable thread may wait (0: no bound): past it, whatever the
    /// decision set said, it runs at the top level next. Checked on every timer tick.
    pub fn policy_wait_bound(&self, bound_ns: u64) {
        self.critical().sched.guard_mut().wait_bound_ns = bound_ns;
    }

    /// The guard's last revert, if any.
    pub fn policy_last_revert(&self) -> Option<Revert> {
        self.critical().sched.guard().last_revert
    }

    /// Starts recording telemetry events into a ring of `capacity` (until then none are kept);
    /// `InvalidArgument` for a capacity of 0 or above `telemetry::MAX_RING_SIZE`, `NoMemory`
    /// when the heap cannot hold it (the ring in force stays).
    pub fn telemetry_enable(&self, capacity: usize) -> Result<()> {
        self.unsealed()?;
        self.critical().telemetry.enable(capacity)?;
        self.tracing.store(true, core::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Copies telemetry events from sequence `from` on; returns how many were copied, how many
    /// were lost to overwriting, and the sequence to read from next time.
    pub fn telemetry_read(&self, from: u64, out: &mut [Event]) -> (usize, u64, u64) {
        let cs = self.critical();
        let (copied, dropped) = cs.telemetry.read(from, out);
        let next = out[..copied].last().map_or(cs.telemetry.next_sequence().max(from), |e| e.sequence + 1);
        (copied, dropped, next)
    }
}
