//! A transaction: its members and their votes, the versions it read, the writes it buffered,
//! and where it stands.

use crate::handle::Handle;
use crate::wait::WaitQueue;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Most members one transaction may have.
pub const MAX_MEMBERS: usize = 64;
/// Most objects one transaction may read or write.
pub const MAX_OBJECTS: usize = 256;

/// Why a transaction aborted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortReason {
    /// A member voted abort.
    Voted,
    /// An object it read changed before the commit (the object's handle).
    Conflict(Handle),
    /// Its deadline passed before every member voted commit.
    Deadline,
    /// A member ended (exited, faulted, was stopped) without voting.
    MemberEnded,
    /// An object it used was destroyed.
    ObjectGone,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    /// Members read, write and vote.
    Active,
    /// Every write was applied at once.
    Committed,
    /// Nothing of it remains; the reason says why.
    Aborted(AbortReason),
}

/// What happens to the members when the transaction aborts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AbortPolicy {
    /// They learn it from the status of their calls (`Aborted`).
    #[default]
    Report,
    /// The transaction starts over: every member is restarted from its entry, at most this
    /// many times; after that it stays aborted and the members learn it.
    Restart { max_retries: u32 },
    /// Every member is ended (exit code -1).
    Stop,
}

/// One member and its vote.
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub thread: Handle,
    pub voted_commit: bool,
    /// The thread's own counters when it joined: what it did as a member is the difference.
    pub joined_at: TxnCounters,
    /// It ended; what it did as a member is in the transaction's `retired` counters.
    pub ended: bool,
}

/// What a transaction's members did while members (run time, waiting, switches, misses),
/// and the transaction's own conflicts and aborts (restarted attempts included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxnCounters {
    pub run_time_ns: u64,
    pub wait_time_ns: u64,
    pub switches: u64,
    pub deadline_misses: u32,
    pub conflicts: u32,
    pub aborts: u32,
}

impl TxnCounters {
    /// The thread part of a thread's statistics.
    pub fn of_thread(stats: &crate::thread::ThreadStats) -> TxnCounters {
        TxnCounters {
            run_time_ns: stats.run_time_ns,
            wait_time_ns: stats.wait_time_ns,
            switches: stats.switches,
            deadline_misses: stats.deadline_misses,
            ..TxnCounters::default()
        }
    }

    /// Adds `now - then` of the thread part.
    pub fn add_since(&mut self, now: &TxnCounters, then: &TxnCounters) {
        self.run_time_ns += now.run_time_ns.saturating_sub(then.run_time_ns);
        self.wait_time_ns += now.wait_time_ns.saturating_sub(then.wait_time_ns);
        self.switches += now.switches.saturating_sub(then.switches);
        self.deadline_misses += now.deadline_misses.saturating_sub(then.deadline_misses);
    }
}

/// A transaction.
pub struct Transaction {
    pub state: TxnState,
    pub members: Vec<Member>,
    /// Version of each object when the transaction first read it.
    pub read_versions: BTreeMap<Handle, u64>,
    /// Buffered new contents of each object it wrote.
    pub writes: BTreeMap<Handle, Vec<u8>>,
    /// Members waiting in `vote` for the outcome.
    pub voters: WaitQueue,
    /// Its entry in the kernel timeline while a deadline is pending.
    pub deadline_key: Option<crate::kernel::timeline::TimelineKey>,
    /// Its deadline relative to each attempt, if it has one.
    pub relative_deadline_ns: Option<u64>,
    pub policy: AbortPolicy,
    /// Attempts restarted so far.
    pub retries: u32,
    /// Counters of members that ended, and the transaction's conflicts and aborts.
    pub retired: TxnCounters,
}

impl Transaction {
    /// An active transaction with no members yet.
    pub fn new() -> Transaction {
        Transaction {
            state: TxnState::Active,
            members: Vec::new(),
            read_versions: BTreeMap::new(),
            writes: BTreeMap::new(),
            voters: WaitQueue::new(),
            deadline_key: None,
            relative_deadline_ns: None,
            policy: AbortPolicy::Report,
            retries: 0,
            retired: TxnCounters::default(),
        }
    }

    /// The member record of `thread`.
    pub fn member_mut(&mut self, thread: Handle) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.thread == thread)
    }

    /// True when every member has voted commit.
    pub fn all_voted_commit(&self) -> bool {
        !self.members.is_empty() && self.members.iter().all(|m| m.voted_commit)
    }

    /// Members that voted commit in this attempt.
    pub fn commit_votes(&self) -> usize {
        self.members.iter().filter(|m| m.voted_commit).count()
    }

    /// True while members may still act.
    pub fn is_active(&self) -> bool {
        self.state == TxnState::Active
    }
}

impl Default for Transaction {
    fn default() -> Self {
        Self::new()
    }
}
