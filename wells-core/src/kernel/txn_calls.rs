//! Shared objects and transactions: the calls, and the commit/abort decisions on the state.

use super::objects::Object;
use super::state::State;
use super::timeline::Wakeup;
use super::Kernel;
use crate::arch::Arch;
use crate::domain::DomainId;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::thread::{ThreadState, WaitSlot, WakeReason};
use crate::time::Timeout;
use crate::txn::shared::SharedObject;
use crate::txn::transaction::{Member, MAX_MEMBERS, MAX_OBJECTS};
use crate::thread::Fate;
use crate::txn::{AbortPolicy, AbortReason, Access, Transaction, TxnCounters, TxnState};
use crate::telemetry::EventKind;
use alloc::boxed::Box;
use alloc::vec::Vec;

impl State {
    /// An abort-conflicting action for `thread`: every other active transaction conflicting
    /// with one of its transactions aborts now, so its own win. Bounded by the live
    /// transactions times MAX_OBJECTS lookups.
    pub fn abort_conflicting_with(&mut self, thread: Handle) {
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
    fn acting_domain(&self) -> DomainId {
        self.current
            .filter(|_| self.running)
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
                let now = self.now_ns;
                self.timeline.remove(key);
                let key = self.timeline.insert(now.saturating_add(relative), Wakeup::Transaction(txn));
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
                        self.fates.push(member);
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
            self.timeline.remove(key);
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
        let now = self.now_ns;
        self.telemetry.record(now, kind, Some(txn), arg);
        self.wake_all(voters, WakeReason::Done);
    }

    /// Once every member voted commit: validates what the transaction read and applies every
    /// write at once, or aborts it on a conflict. Wakes the waiting voters either way.
    fn settle_transaction(&mut self, txn: Handle) {
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
        let now = self.now_ns;
        self.telemetry.record(now, EventKind::TxnCommit, Some(txn), 0);
        let Ok(t) = self.transaction_mut(txn) else { return };
        t.state = TxnState::Committed;
        t.read_versions.clear();
        let key = t.deadline_key.take();
        let voters: Vec<Handle> = t.voters.drain().collect();
        if let Some(key) = key {
            self.timeline.remove(key);
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
    fn member_of(&mut self, txn: Handle) -> Result<Handle> {
        let current = self.current.filter(|_| self.running).ok_or(Error::BadContext)?;
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
    fn check_access(&self, object: Handle, wanted: Access) -> Result<()> {
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

impl<A: Arch> Kernel<A> {
    /// Creates a zeroed shared object of `size` bytes owned by the caller's domain (the
    /// kernel's for the host).
    pub fn shared_create(&self, size: usize) -> Result<Handle> {
        self.unsealed()?;
        let mut cs = self.critical();
        let object = SharedObject::new(cs.acting_domain(), size)?;
        cs.insert_object(Object::SharedObject(object))
    }

    /// Grants `domain` access to an object; only its owner (or the kernel) may.
    pub fn shared_grant(&self, object: Handle, domain: DomainId, access: Access) -> Result<()> {
        let mut cs = self.critical();
        let acting = cs.acting_domain();
        if cs.live_domain(domain).is_none() {
            return Err(Error::InvalidArgument);
        }
        let shared = cs.shared_mut(object)?;
        if acting != shared.owner && acting != DomainId::KERNEL {
            return Err(Error::AccessDenied);
        }
        shared.grant(domain, access);
        Ok(())
    }

    /// A consistent snapshot of an object into `buf` (at least its size); returns its version.
    pub fn shared_read(&self, object: Handle, buf: &mut [u8]) -> Result<u64> {
        let cs = self.critical();
        cs.check_access(object, Access::Read)?;
        let shared = cs.shared(object)?;
        let size = shared.size();
        if buf.len() < size {
            return Err(Error::InvalidArgument);
        }
        buf[..size].copy_from_slice(shared.data());
        Ok(shared.version)
    }

    /// Replaces an object's contents outside any transaction (one atomic update, next
    /// version); returns the new version.
    pub fn shared_write(&self, object: Handle, bytes: &[u8]) -> Result<u64> {
        let mut cs = self.critical();
        cs.check_access(object, Access::ReadWrite)?;
        let shared = cs.shared_mut(object)?;
        shared.replace(bytes)?;
        Ok(shared.version)
    }

    /// Destroys an object (owner or kernel); transactions that used it abort when they commit.
    pub fn shared_destroy(&self, object: Handle) -> Result<()> {
        let mut cs = self.critical();
        let acting = cs.acting_domain();
        let owner = cs.shared(object)?.owner;
        if acting != owner && acting != DomainId::KERNEL {
            return Err(Error::AccessDenied);
        }
        cs.objects.remove(object, Kind::SharedObject).map(drop)
    }

    /// Creates an active transaction with no members; with a deadline, it aborts if not
    /// committed in time.
    pub fn txn_create(&self, deadline: Timeout) -> Result<Handle> {
        self.unsealed()?;
        let mut cs = self.critical();
        let handle = cs.insert_object(Object::Transaction(Box::<Transaction>::default()))?;
        if let Timeout::Ns(ns) = deadline {
            let at = self.host.now_ns().saturating_add(ns);
            let key = cs.timeline.insert(at, Wakeup::Transaction(handle));
            let t = cs.transaction_mut(handle)?;
            t.deadline_key = Some(key);
            t.relative_deadline_ns = Some(ns);
        }
        Ok(handle)
    }

    /// Makes `thread` a member of an active transaction.
    pub fn txn_add_member(&self, txn: Handle, thread: Handle) -> Result<()> {
        let now = self.host.now_ns();
        let mut cs = self.critical();
        let joiner = cs.thread(thread)?.stats(now);
        if joiner.state == ThreadState::Exited {
            return Err(Error::BadState);
        }
        let t = cs.transaction_mut(txn)?;
        if !t.is_active() {
            return Err(Error::BadState);
        }
        if t.member_mut(thread).is_some() {
            return Ok(());
        }
        if t.members.len() >= MAX_MEMBERS {
            return Err(Error::Limit);
        }
        let joined_at = TxnCounters::of_thread(&joiner);
        t.members.push(Member { thread, voted_commit: false, joined_at, ended: false });
        if t.members.len() == 1 {
            let now = self.host.now_ns();
            cs.telemetry.record(now, EventKind::TxnBegin, Some(txn), 0);
        }
        cs.thread_mut(thread)?.transactions.push(txn);
        Ok(())
    }

    /// The calling thread joins a transaction.
    pub fn txn_join(&self, txn: Handle) -> Result<()> {
        let me = self.current_thread()?;
        self.txn_add_member(txn, me)
    }

    /// Reads an object through the transaction: its own buffered write if it made one, else
    /// the object's contents, whose version is remembered for the commit check.
    pub fn txn_read(&self, txn: Handle, object: Handle, buf: &mut [u8]) -> Result<()> {
        let mut cs = self.critical();
        cs.member_of(txn)?;
        cs.check_access(object, Access::Read)?;
        let shared = cs.shared(object)?;
        let (size, version) = (shared.size(), shared.version);
        if buf.len() < size {
            return Err(Error::InvalidArgument);
        }
        let t = cs.transaction(txn)?;
        if let Some(buffered) = t.writes.get(&object) {
            buf[..size].copy_from_slice(buffered);
            return Ok(());
        }
        match t.read_versions.get(&object) {
            // Changed since this transaction first read it: it can never commit.
            Some(&first) if first != version => {
                cs.abort_transaction(txn, AbortReason::Conflict(object));
                return Err(Error::Aborted);
            }
            Some(_) => {}
            None if t.read_versions.len() + t.writes.len() >= MAX_OBJECTS => return Err(Error::Limit),
            None => {
                cs.transaction_mut(txn)?.read_versions.insert(object, version);
            }
        }
        let data = cs.shared(object)?.data();
        buf[..size].copy_from_slice(data);
        Ok(())
    }

    /// Buffers a new value for an object (exactly its size). The object's version is
    /// remembered too, so two transactions writing one object cannot both commit.
    pub fn txn_write(&self, txn: Handle, object: Handle, bytes: &[u8]) -> Result<()> {
        let mut cs = self.critical();
        cs.member_of(txn)?;
        cs.check_access(object, Access::ReadWrite)?;
        let shared = cs.shared(object)?;
        let (size, version) = (shared.size(), shared.version);
        if bytes.len() != size {
            return Err(Error::InvalidArgument);
        }
        let t = cs.transaction_mut(txn)?;
        if !t.writes.contains_key(&object) && t.read_versions.len() + t.writes.len() >= MAX_OBJECTS {
            return Err(Error::Limit);
        }
        let mut copy = Vec::new();
        copy.try_reserve_exact(size).map_err(|_| Error::NoMemory)?;
        copy.extend_from_slice(bytes);
        t.read_versions.entry(object).or_insert(version);
        t.writes.insert(object, copy);
        Ok(())
    }

    /// Votes. Abort (`commit == false`) aborts the whole transaction. Commit waits (at most
    /// `timeout`) until every member voted: then `Ok` when it committed, `Err(Aborted)` when
    /// it did not (see `txn_state` for why), `Err(Timeout)` when others have not voted yet
    /// (the vote stands).
    pub fn txn_vote(&self, txn: Handle, commit: bool, timeout: Timeout) -> Result<()> {
        let mut cs = self.critical();
        let deadline = self.deadline(timeout);
        let me = cs.member_of(txn)?;
        if !commit {
            cs.abort_transaction(txn, AbortReason::Voted);
            return Err(Error::Aborted);
        }
        if let Some(member) = cs.transaction_mut(txn)?.member_mut(me) {
            member.voted_commit = true;
        }
        cs.settle_transaction(txn);
        loop {
            match cs.transaction(txn)?.state {
                TxnState::Committed => return Ok(()),
                TxnState::Aborted(_) => return Err(Error::Aborted),
                TxnState::Active => {}
            }
            if timeout == Timeout::NoWait {
                return Err(Error::WouldBlock);
            }
            if deadline.is_some_and(|d| self.host.now_ns() >= d) {
                return Err(Error::Timeout);
            }
            Self::blocking_caller(&cs)?;
            cs.enqueue_waiter(txn, WaitSlot::Main, me);
            match self.block(&mut cs, Some((txn, WaitSlot::Main)), deadline, ThreadState::Blocked) {
                WakeReason::TimedOut => return Err(Error::Timeout),
                WakeReason::Destroyed => return Err(Error::Destroyed),
                _ => {}
            }
        }
    }

    /// What happens to the members when the transaction aborts (default: they are told).
    pub fn txn_set_policy(&self, txn: Handle, policy: AbortPolicy) -> Result<()> {
        self.critical().transaction_mut(txn)?.policy = policy;
        Ok(())
    }

    /// Where a transaction stands.
    pub fn txn_state(&self, txn: Handle) -> Result<TxnState> {
        Ok(self.critical().transaction(txn)?.state)
    }

    /// Votes so far: (members that voted commit, members). While the transaction is active, a
    /// commit vote makes it *committing*: it commits (or aborts) when the last member votes.
    pub fn txn_votes(&self, txn: Handle) -> Result<(usize, usize)> {
        let cs = self.critical();
        let t = cs.transaction(txn)?;
        Ok((t.commit_votes(), t.members.len()))
    }

    /// What the members did while members (ended members included) and the transaction's
    /// conflicts and aborts. Bounded by MAX_MEMBERS.
    pub fn txn_counters(&self, txn: Handle) -> Result<TxnCounters> {
        let now = self.host.now_ns();
        let cs = self.critical();
        let t = cs.transaction(txn)?;
        let mut total = t.retired;
        for member in t.members.iter().filter(|m| !m.ended) {
            if let Ok(thread) = cs.thread(member.thread) {
                total.add_since(&TxnCounters::of_thread(&thread.stats(now)), &member.joined_at);
            }
        }
        Ok(total)
    }

    /// Destroys a transaction (aborting it if still active); waiting voters get `Destroyed`.
    pub fn txn_destroy(&self, txn: Handle) -> Result<()> {
        let mut cs = self.critical();
        cs.abort_transaction(txn, AbortReason::Voted);
        let Object::Transaction(mut t) = cs.objects.remove(txn, Kind::Transaction)? else { return Err(Error::WrongKind) };
        let waiters: Vec<Handle> = t.voters.drain().collect();
        cs.wake_all(waiters, WakeReason::Destroyed);
        for member in &t.members {
            if let Ok(thread) = cs.thread_mut(member.thread) {
                thread.transactions.retain(|&x| x != txn);
            }
        }
        Ok(())
    }
}
