//! Transactional tasks: shared objects (versioned fixed-size records owned by a domain and
//! granted to others) and transactions that let several threads agree on changes to them.
//!
//! A transaction buffers every write and records the version of every object it read; when all
//! its members have voted commit, the kernel validates the read set and applies all writes in
//! one critical section, so no reader anywhere sees part of a commit. A conflict, one abort vote,
//! a member that ends without voting, or a passed deadline aborts the whole transaction and
//! drops its writes; every member learns why. This module holds the data; the calls that block
//! and wake are in `kernel/txn_calls.rs`.

pub mod shared;
pub mod transaction;

pub use shared::{Access, SharedObject};
pub use transaction::{AbortPolicy, AbortReason, Transaction, TxnCounters, TxnState};
