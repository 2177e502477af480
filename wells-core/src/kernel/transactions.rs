//! Transactions on the locked state: commit (validate every read, apply every write at once),
//! abort (drop it all, then per the abort policy tell, restart or stop the members), a member
//! ending, conflicts between transactions, and who may touch a shared object.

use super::percpu::MAX_CPUS;
use super::state::State;
use super::timeline::Wakeup;
use crate::domain::DomainId;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::telemetry::EventKind;
use crate::thread::{Fate, ThreadState, WakeReason};
use crate::txn::{AbortPolicy, AbortReason, Access, Transaction, TxnCounters, TxnState};
use alloc::vec::Vec;

impl State {
    /// An abort-conflicting action for `thread`: every other active transaction conflicting
    /// with one of its transactions aborts now, so its own win. Bounded by the live
    /// transactions times MAX_OBJECTS lookups.
    pub fn abort_conflicting_with(&mut self, thread: Handle) {
        // Without the feature no transaction exists: folded away, with its table walk.
        if !cfg!(feature = "transactions") {
            return;
        }
        let Ok(t) = self.thread(thread) else { return };
        let mine = t.transactions.clone();
        let others: Vec<Handle> = self.objects.handles(Kind::Transaction).filter(|h| !mine.contains(h)).collect();
        for &txn in &mine {
            for &other in &others {
                let conflict = match (self.transaction(txn), self.transaction(other)) {
                    (Ok(a), Ok(b)) if a.is_active() && b.is_active() => first_conflict(a, b),
                    _ => None,
                };
                if let Some(object) = conflict {
                    self.abort_transaction(other, AbortReason::Conflict(object));
                }
            }
        }
    }

    /// The domain acting now: the current thread's, or the kernel's for the host.
    pub(super) fn acting_domain(&self) -> DomainId {
        self.sched
            .caller()
            .and_then(|c| self.thread(c).ok())
            .map_or(DomainId::KERNEL, |t| t.exec.domain)
    }

    /// Aborts an active transaction: drops its writes and reads, then per its policy wakes its
    /// waiting voters (report), or starts it over with every member restarted from its entry
    /// (restart, bounded), or ends its members (stop). A restart needs every member's vote
    /// again, and a member that ended cannot be brought back: then it aborts for good, as with
    /// report, so a transaction always ends committed or aborted.
    pub fn abort_transaction(&mut self, txn: Handle, reason: AbortReason) {
        let Ok(t) = self.transaction_mut(txn) else { return };
        if !t.is_active() {
            return;
        }
        let member_ended = t.members.iter().any(|m| m.ended);
        t.writes.clear();
        t.read_versions.clear();
        t.retired.aborts = t.retired.aborts.saturating_add(1);
        if matches!(reason, AbortReason::Conflict(_)) {
            t.retired.conflicts = t.retired.conflicts.saturating_add(1);
        }
        let fate = match t.policy {
            AbortPolicy::Restart { max_retries } if t.retries < max_retries && reason != AbortReason::ObjectGone && !member_ended => {
                t.retries += 1;
                for member in &mut t.members {
                    member.voted_commit = false;
                }
                Some(Fate::Restart)
            }
            AbortPolicy::Stop => Some(Fate::Stop(-1)),
            _ => None,
        };
        t.state = if fate == Some(Fate::Restart) { TxnState::Active } else { TxnState::Aborted(reason) };
        if fate == Some(Fate::Restart) {
            // A new attempt: its own deadline.
            if let (Some(key), Some(relative)) = (t.deadline_key.take(), t.relative_deadline_ns) {
                let now = self.clock.now();
                self.clock.remove(key);
                let key = self.clock.insert(now.saturating_add(relative), Wakeup::Transaction(txn));
                if let Ok(t) = self.transaction_mut(txn) {
                    t.deadline_key = Some(key);
                }
            }
        }
        let Ok(t) = self.transaction_mut(txn) else { return };
        if let Some(fate) = fate {
            let members: Vec<Handle> = t.members.iter().map(|m| m.thread).collect();
            for member in members {
                if let Ok(thread) = self.thread_mut(member) {
                    if thread.state != ThreadState::Exited && thread.state != ThreadState::Created {
                        thread.pending_fate = Some(fate);
                        self.push_fate(member);
                    }
                }
            }
        }
        let Ok(t) = self.transaction_mut(txn) else { return };
        let restarting = fate == Some(Fate::Restart);
        // Restarting members leave their waits when they are restarted; the new attempt keeps
        // its deadline.
        let key = if restarting { None } else { t.deadline_key.take() };
        let voters: Vec<Handle> = if restarting { Vec::new() } else { t.voters.drain().collect() };
        let members: Vec<Handle> = t.members.iter().map(|m| m.thread).collect();
        if let Some(key) = key {
            self.clock.remove(key);
        }
        // Conflicts are a feature decision sets match on; aborts are telemetry.
        let conflict = matches!(reason, AbortReason::Conflict(_));
        for member in members {
            if let Ok(thread) = self.thread_mut(member) {
                thread.aborts = thread.aborts.saturating_add(1);
                if conflict {
                    thread.conflicts = thread.conflicts.saturating_add(1);
                }
            }
        }
        let (kind, arg) = match reason {
            AbortReason::Conflict(object) => (EventKind::TxnConflict, object.raw()),
            AbortReason::Voted => (EventKind::TxnAbort, 1),
            AbortReason::Deadline => (EventKind::TxnAbort, 3),
            AbortReason::MemberEnded => (EventKind::TxnAbort, 4),
            AbortReason::ObjectGone => (EventKind::TxnAbort, 5),
        };
        let now = self.clock.now();
        self.telemetry.record(now, kind, Some(txn), arg);
        self.wake_all(voters, WakeReason::Done);
    }

    /// Once every member voted commit: validates what the transaction read and applies every
    /// write at once, or aborts it on a conflict. Wakes the waiting voters either way.
    pub(super) fn settle_transaction(&mut self, txn: Handle) {
        let Ok(t) = self.transaction(txn) else { return };
        if !t.is_active() || !t.all_voted_commit() {
            return;
        }
        let read: Vec<(Handle, u64)> = t.read_versions.iter().map(|(&o, &v)| (o, v)).collect();
        for (object, version) in read {
            match self.shared(object) {
                Ok(shared) if shared.version == version => {}
                Ok(_) => return self.abort_transaction(txn, AbortReason::Conflict(object)),
                Err(_) => return self.abort_transaction(txn, AbortReason::ObjectGone),
            }
        }
        let Ok(t) = self.transaction_mut(txn) else { return };
        let writes = core::mem::take(&mut t.writes);
        for (object, bytes) in &writes {
            if let Ok(shared) = self.shared_mut(*object) {
                let _ = shared.replace(bytes);
            }
        }
        let now = self.clock.now();
        self.telemetry.record(now, EventKind::TxnCommit, Some(txn), 0);
        let Ok(t) = self.transaction_mut(txn) else { return };
        t.state = TxnState::Committed;
        t.read_versions.clear();
        let key = t.deadline_key.take();
        let voters: Vec<Handle> = t.voters.drain().collect();
        if let Some(key) = key {
            self.clock.remove(key);
        }
        self.wake_all(voters, WakeReason::Done);
    }

    /// A thread ended: every active transaction it belongs to and had not voted commit in
    /// aborts, and what it did as a member goes to each one's counters (`at_end`: its
    /// counters as it ended).
    pub fn transactions_member_ended(&mut self, thread: Handle, at_end: &TxnCounters, transactions: Vec<Handle>) {
        for &txn in &transactions {
            if let Ok(t) = self.transaction_mut(txn) {
                if let Some(member) = t.members.iter_mut().find(|m| m.thread == thread && !m.ended) {
                    member.ended = true;
                    let joined_at = member.joined_at;
                    t.retired.add_since(at_end, &joined_at);
                }
            }
        }
        for txn in transactions {
            let voted = self
                .transaction(txn)
                .ok()
                .and_then(|t| t.members.iter().find(|m| m.thread == thread).map(|m| m.voted_commit));
            if voted == Some(false) {
                self.abort_transaction(txn, AbortReason::MemberEnded);
            }
        }
    }

    /// The calling thread, which must be a member of the active transaction `txn`.
    pub(super) fn member_of(&mut self, txn: Handle) -> Result<Handle> {
        let current = self.sched.caller().ok_or(Error::BadContext)?;
        // Several CPUs: an abort decided on another CPU while this member ran has not restarted
        // or ended it yet (this call's exit does): it takes no part in the attempt after.
        if MAX_CPUS > 1 && self.thread(current).is_ok_and(|thread| thread.pending_fate.is_some()) {
            return Err(Error::Aborted);
        }
        let t = self.transaction_mut(txn)?;
        if t.member_mut(current).is_none() {
            return Err(Error::BadState);
        }
        match t.state {
            TxnState::Active => Ok(current),
            TxnState::Committed => Err(Error::BadState),
            TxnState::Aborted(_) => Err(Error::Aborted),
        }
    }

    /// Checks the acting domain may access `object` as `wanted`.
    pub(super) fn check_access(&self, object: Handle, wanted: Access) -> Result<()> {
        let domain = self.acting_domain();
        if self.shared(object)?.allows(domain, wanted) || domain == DomainId::KERNEL {
            Ok(())
        } else {
            Err(Error::AccessDenied)
        }
    }
}

/// An object on which `a` and `b` conflict: one wrote what the other read (or also wrote).
fn first_conflict(a: &Transaction, b: &Transaction) -> Option<Handle> {
    let wrote_what_other_read = |w: &Transaction, r: &Transaction| w.writes.keys().find(|o| r.read_versions.contains_key(o)).copied();
    wrote_what_other_read(b, a).or_else(|| wrote_what_other_read(a, b))
}
