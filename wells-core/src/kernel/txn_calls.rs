//! Shared objects and transactions: the calls (their decisions on the state: `transactions.rs`).

use super::objects::Object;
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
use crate::txn::{AbortPolicy, AbortReason, Access, Transaction, TxnCounters, TxnState};
use crate::telemetry::EventKind;
use alloc::boxed::Box;
use alloc::vec::Vec;

impl<A: Arch> Kernel<A> {
    /// Creates a zeroed shared object of `size` bytes owned by the caller's domain (the
    /// kernel's for the host).
    pub fn shared_create(&self, size: usize) -> Result<Handle> {
        super::objects::built_in(Kind::SharedObject)?;
        self.unsealed()?;
        let mut cs = self.critical();
        let object = SharedObject::new(cs.acting_domain(), size)?;
        cs.insert_object(Object::SharedObject(super::objects::txn_only(object)?))
    }

    /// Grants `domain` access to an object; only its owner (or the kernel) may.
    pub fn shared_grant(&self, object: Handle, domain: DomainId, access: Access) -> Result<()> {
        super::objects::built_in(Kind::SharedObject)?;
        let mut cs = self.critical();
        let acting = cs.acting_domain();
        if cs.domains.live(domain).is_none() {
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
        super::objects::built_in(Kind::SharedObject)?;
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
        super::objects::built_in(Kind::SharedObject)?;
        let mut cs = self.critical();
        cs.check_access(object, Access::ReadWrite)?;
        let shared = cs.shared_mut(object)?;
        shared.replace(bytes)?;
        Ok(shared.version)
    }

    /// Destroys an object (owner or kernel); transactions that used it abort when they commit.
    pub fn shared_destroy(&self, object: Handle) -> Result<()> {
        super::objects::built_in(Kind::SharedObject)?;
        let mut cs = self.critical();
        let acting = cs.acting_domain();
        let owner = cs.shared(object)?.owner;
        if acting != owner && acting != DomainId::KERNEL {
            return Err(Error::AccessDenied);
        }
        cs.free_object(object, Kind::SharedObject)
    }

    /// Creates an active transaction with no members; with a deadline, it aborts if not
    /// committed in time.
    pub fn txn_create(&self, deadline: Timeout) -> Result<Handle> {
        super::objects::built_in(Kind::Transaction)?;
        self.unsealed()?;
        let mut cs = self.critical();
        let handle = cs.insert_object(Object::Transaction(super::objects::txn_only(Box::<Transaction>::default())?))?;
        if let Timeout::Ns(ns) = deadline {
            let at = self.host.now_ns().saturating_add(ns);
            let key = cs.clock.insert(at, Wakeup::Transaction(handle));
            let t = cs.transaction_mut(handle)?;
            t.deadline_key = Some(key);
            t.relative_deadline_ns = Some(ns);
        }
        Ok(handle)
    }

    /// Makes `thread` a member of an active transaction.
    pub fn txn_add_member(&self, txn: Handle, thread: Handle) -> Result<()> {
        super::objects::built_in(Kind::Transaction)?;
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
        super::objects::built_in(Kind::Transaction)?;
        let me = self.current_thread()?;
        self.txn_add_member(txn, me)
    }

    /// Reads an object through the transaction: its own buffered write if it made one, else
    /// the object's contents, whose version is remembered for the commit check.
    pub fn txn_read(&self, txn: Handle, object: Handle, buf: &mut [u8]) -> Result<()> {
        super::objects::built_in(Kind::Transaction)?;
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
        super::objects::built_in(Kind::Transaction)?;
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
        super::objects::built_in(Kind::Transaction)?;
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
        super::objects::built_in(Kind::Transaction)?;
        self.critical().transaction_mut(txn)?.policy = policy;
        Ok(())
    }

    /// Where a transaction stands.
    pub fn txn_state(&self, txn: Handle) -> Result<TxnState> {
        super::objects::built_in(Kind::Transaction)?;
        Ok(self.critical().transaction(txn)?.state)
    }

    /// Votes so far: (members that voted commit, members). While the transaction is active, a
    /// commit vote makes it *committing*: it commits (or aborts) when the last member votes.
    pub fn txn_votes(&self, txn: Handle) -> Result<(usize, usize)> {
        super::objects::built_in(Kind::Transaction)?;
        let cs = self.critical();
        let t = cs.transaction(txn)?;
        Ok((t.commit_votes(), t.members.len()))
    }

    /// What the members did while members (ended members included) and the transaction's
    /// conflicts and aborts. Bounded by MAX_MEMBERS.
    pub fn txn_counters(&self, txn: Handle) -> Result<TxnCounters> {
        super::objects::built_in(Kind::Transaction)?;
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
        super::objects::built_in(Kind::Transaction)?;
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
