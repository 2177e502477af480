//! The decision-set policy: an ordered set of rules, written by an outside advisor from the
//! kernel's telemetry, that places runnable threads; the classic placement applies to every
//! thread no rule matches.
//!
//! Bounded by construction: a set has at most [`format::MAX_RULES`] rules, evaluated once when
//! a thread becomes runnable (first match wins); picking the next thread stays the classic O(1)
//! bitmap over run-queue levels.

pub mod format;
mod policy;

pub use format::{Action, DecisionSet, Rule, SetError};
pub use policy::DecisionSetPolicy;
