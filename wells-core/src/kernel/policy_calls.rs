//! Scheduling-policy calls: thread classes and deadlines, and loading a decision set.

use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::Handle;
use crate::sched::{DecisionSet, SchedClass, SetError};

impl<A: Arch> Kernel<A> {
    /// Gives a thread a scheduling class and, optionally, a deadline relative to each of its
    /// releases (start, wake-up). Takes effect the next time it becomes runnable.
    pub fn thread_set_class(&self, thread: Handle, class: SchedClass, relative_deadline_ns: Option<u64>) -> Result<()> {
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
        let set = DecisionSet::parse(bytes)?;
        let mut cs = self.critical();
        cs.policy
            .load_set(set)
            .map_err(|_: Error| SetError { rule: None, field: "policy (this kernel's policy takes no decision sets)" })
    }

    /// Drops the decision set: classic scheduling again.
    pub fn policy_clear(&self) {
        self.critical().policy.clear_set();
    }
}
