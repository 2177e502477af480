//! The decision-set policy: rules first, classic placement as the fallback.

use super::format::{Action, DecisionSet};
use crate::error::Result;
use crate::sched::classic::ClassicPolicy;
use crate::sched::policy::{Placement, Policy, Runnable, SchedClass};
use alloc::boxed::Box;

/// Classic scheduling until an advisor loads a set; then each runnable thread is placed by the
/// first matching rule, or classically when none matches.
#[derive(Default)]
pub struct DecisionSetPolicy {
    /// The fallback placement when no rule applies.
    classic: ClassicPolicy,
    set: Option<Box<DecisionSet>>,
    /// The set in force before the last load, for the guard to go back to.
    previous: Option<Box<DecisionSet>>,
}

impl DecisionSetPolicy {
    /// A policy with no set loaded (behaves exactly like the classic one).
    pub fn new() -> Self {
        Self::default()
    }
}

impl Policy for DecisionSetPolicy {
    fn place(&self, thread: &Runnable) -> Placement {
        let classic = self.classic.place(thread);
        let Some((rule, action)) = self.set.as_ref().and_then(|set| set.decide_by(thread)) else { return classic };
        // At most MAX_RULES (64) rules: the index fits.
        let classic = Placement { rule: rule as u16 + 1, ..classic };
        match action {
            // The guard: a hard real-time thread never runs below its own priority.
            Action::Priority(level) if thread.class == SchedClass::HardRealTime => {
                Placement { level: level.max(thread.priority), ..classic }
            }
            // Inheritance still wins: a thread holding a mutex others wait for keeps that priority.
            Action::Priority(level) => Placement { level: level.max(inherited(thread)), ..classic },
            Action::SliceNs(slice_ns) => Placement { slice_ns, ..classic },
            // The guard again: a hard real-time thread is never held back.
            Action::DeferNs(_) if thread.class == SchedClass::HardRealTime => classic,
            Action::DeferNs(defer_ns) => Placement { defer_ns, ..classic },
            Action::Gang => Placement { gang: thread.in_transaction, ..classic },
            Action::AbortConflicting => Placement { abort_conflicting: thread.in_transaction, ..classic },
        }
    }

    fn load_set(&mut self, set: DecisionSet) -> Result<()> {
        self.previous = self.set.replace(Box::new(set));
        Ok(())
    }

    fn clear_set(&mut self) {
        self.previous = self.set.take();
    }

    fn revert_set(&mut self) -> bool {
        if self.set.is_none() {
            return false;
        }
        self.set = self.previous.take();
        true
    }

    fn uniform_slice(&self) -> Option<u64> {
        match self.set {
            None => self.classic.uniform_slice(),
            Some(_) => None,
        }
    }

    fn rules_in_force(&self) -> usize {
        self.set.as_ref().map_or(0, |set| set.rules.len())
    }
}

/// The priority a thread has only through inheritance (0 when none).
fn inherited(thread: &Runnable) -> u8 {
    if thread.priority > thread.base_priority {
        thread.priority
    } else {
        0
    }
}
