//! Shared objects and transactions (wells' transactional tasks).

use crate::handles::{wells_shared_t, wells_thread_t, wells_txn_t};
use crate::instance::{kernel, kernel_for_create, with_kernel, SMALL_ALLOCATION};
use crate::status::{status_of, wells_status, wells_status::*};
use crate::threads::store;
use core::ffi::c_void;
use wells_core::txn::{AbortReason, TxnCounters, TxnState};
use wells_core::Timeout;

/// Transaction states reported in `wells_txn_state_t.state`.
pub const WELLS_TXN_ACTIVE: u32 = 0;
pub const WELLS_TXN_COMMITTED: u32 = 1;
pub const WELLS_TXN_ABORTED: u32 = 2;
/// Active, and at least one member voted commit: it commits (or aborts) at the last vote.
pub const WELLS_TXN_COMMITTING: u32 = 3;

/// Abort reasons reported in `wells_txn_state_t.reason` (0 while not aborted).
pub const WELLS_TXN_ABORT_VOTED: u32 = 1;
pub const WELLS_TXN_ABORT_CONFLICT: u32 = 2;
pub const WELLS_TXN_ABORT_DEADLINE: u32 = 3;
pub const WELLS_TXN_ABORT_MEMBER_ENDED: u32 = 4;
pub const WELLS_TXN_ABORT_OBJECT_GONE: u32 = 5;

/// Where a transaction stands.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wells_txn_state_t {
    /// One of `WELLS_TXN_ACTIVE`, `WELLS_TXN_COMMITTING`, `WELLS_TXN_COMMITTED`, `WELLS_TXN_ABORTED`.
    pub state: u32,
    /// One of `WELLS_TXN_ABORT_*` when aborted, else 0.
    pub reason: u32,
    /// With `WELLS_TXN_ABORT_CONFLICT`: the object that changed.
    pub conflict: wells_shared_t,
    /// Members, and how many of them voted commit (in this attempt).
    pub members: u32,
    pub commit_votes: u32,
}

/// A transaction's counters: what its members did while members (members that ended
/// included), and its own conflicts and aborts (restarted attempts included).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wells_txn_counters_t {
    /// Time members spent on the CPU, nanoseconds.
    pub run_time_ns: u64,
    /// Time members were runnable but not running, nanoseconds.
    pub wait_time_ns: u64,
    /// Times members were switched onto the CPU.
    pub switches: u64,
    /// Deadline misses of members.
    pub deadline_misses: u32,
    /// Attempts aborted on a conflict.
    pub conflicts: u32,
    /// Attempts aborted for any reason.
    pub aborts: u32,
    pub reserved: u32,
}

impl From<TxnCounters> for wells_txn_counters_t {
    fn from(c: TxnCounters) -> Self {
        wells_txn_counters_t {
            run_time_ns: c.run_time_ns,
            wait_time_ns: c.wait_time_ns,
            switches: c.switches,
            deadline_misses: c.deadline_misses,
            conflicts: c.conflicts,
            aborts: c.aborts,
            reserved: 0,
        }
    }
}

/// Reads `len` bytes at `ptr` from C (NULL only with 0 bytes).
fn bytes<'a>(ptr: *const c_void, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() || len > isize::MAX as usize {
        return None;
    }
    // SAFETY: the caller of the C function promises `len` readable bytes at `ptr`.
    Some(unsafe { core::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Writable `len` bytes at `ptr` from C.
fn bytes_mut<'a>(ptr: *mut c_void, len: usize) -> Option<&'a mut [u8]> {
    if ptr.is_null() || len > isize::MAX as usize {
        return None;
    }
    // SAFETY: the caller of the C function promises `len` writable bytes at `ptr`.
    Some(unsafe { core::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

/// Creates a zeroed shared object of `size` bytes (version 0).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_shared_create(out: *mut wells_shared_t, size: usize) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel_for_create(size).and_then(|k| k.shared_create(size)) {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Destroys a shared object; transactions that used it abort when they try to commit.
#[no_mangle]
pub extern "C" fn wells_shared_destroy(object: wells_shared_t) -> wells_status {
    with_kernel(|k| k.shared_destroy(object.into()))
}

/// Copies a consistent snapshot of an object into `buf` (`len` at least its size) and its
/// version into `*version` (may be NULL).
///
/// # Safety
/// `buf` points to `len` writable bytes; `version` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_shared_read(object: wells_shared_t, buf: *mut c_void, len: usize, version: *mut u64) -> wells_status {
    let Some(buf) = bytes_mut(buf, len) else { return WELLS_ERR_INVALID_ARGUMENT };
    match kernel().and_then(|k| k.shared_read(object.into(), buf)) {
        Ok(v) if !version.is_null() => store(version, v),
        Ok(_) => WELLS_OK,
        Err(error) => error.into(),
    }
}

/// Replaces an object's contents (`len` = its size) in one atomic update, outside any
/// transaction; stores the new version in `*version` (may be NULL).
///
/// # Safety
/// `data` points to `len` readable bytes; `version` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_shared_write(object: wells_shared_t, data: *const c_void, len: usize, version: *mut u64) -> wells_status {
    let Some(data) = bytes(data, len) else { return WELLS_ERR_INVALID_ARGUMENT };
    match kernel().and_then(|k| k.shared_write(object.into(), data)) {
        Ok(v) if !version.is_null() => store(version, v),
        Ok(_) => WELLS_OK,
        Err(error) => error.into(),
    }
}

/// Creates an active transaction with no members. It aborts if not committed within
/// `deadline_ms` (`WELLS_WAIT_FOREVER`: no deadline).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_txn_create(out: *mut wells_txn_t, deadline_ms: u32) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let deadline = match Timeout::from_ms(deadline_ms) {
        Timeout::NoWait => Timeout::Ns(0),
        other => other,
    };
    match kernel_for_create(0).and_then(|k| k.txn_create(deadline)) {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Makes `thread` a member of an active transaction.
#[no_mangle]
pub extern "C" fn wells_txn_add_member(txn: wells_txn_t, thread: wells_thread_t) -> wells_status {
    status_of(kernel_for_create(SMALL_ALLOCATION).and_then(|k| k.txn_add_member(txn.into(), thread.into())))
}

/// The calling wells thread joins a transaction.
#[no_mangle]
pub extern "C" fn wells_txn_join(txn: wells_txn_t) -> wells_status {
    status_of(kernel_for_create(SMALL_ALLOCATION).and_then(|k| k.txn_join(txn.into())))
}

/// Reads an object through the transaction (the member's buffered write, or the object with
/// its version remembered for the commit check). `WELLS_ERR_ABORTED` when the object already
/// changed since this transaction first read it.
///
/// # Safety
/// `buf` points to `len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wells_txn_read(txn: wells_txn_t, object: wells_shared_t, buf: *mut c_void, len: usize) -> wells_status {
    let Some(buf) = bytes_mut(buf, len) else { return WELLS_ERR_INVALID_ARGUMENT };
    // The version read is remembered (a map entry).
    status_of(kernel_for_create(SMALL_ALLOCATION).and_then(|k| k.txn_read(txn.into(), object.into(), buf)))
}

/// Buffers a new value (`len` = the object's size) for the commit.
///
/// # Safety
/// `data` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wells_txn_write(txn: wells_txn_t, object: wells_shared_t, data: *const c_void, len: usize) -> wells_status {
    let Some(data) = bytes(data, len) else { return WELLS_ERR_INVALID_ARGUMENT };
    // The value is copied until the commit.
    let room = len.saturating_add(SMALL_ALLOCATION);
    status_of(kernel_for_create(room).and_then(|k| k.txn_write(txn.into(), object.into(), data)))
}

/// Votes commit (`commit` != 0) or abort. An abort vote aborts the transaction for everyone.
/// A commit vote waits at most `timeout_ms` for the others: `WELLS_OK` once every write was
/// applied at once, `WELLS_ERR_ABORTED` if it aborted (`wells_txn_state` says why),
/// `WELLS_ERR_TIMEOUT` if others have not voted yet (the vote stands).
#[no_mangle]
pub extern "C" fn wells_txn_vote(txn: wells_txn_t, commit: i32, timeout_ms: u32) -> wells_status {
    with_kernel(|k| k.txn_vote(txn.into(), commit != 0, Timeout::from_ms(timeout_ms)))
}

/// Reports where a transaction stands.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_txn_state(txn: wells_txn_t, out: *mut wells_txn_state_t) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let read = kernel().and_then(|k| Ok((k.txn_state(txn.into())?, k.txn_votes(txn.into())?)));
    let (state, (commit_votes, members)) = match read {
        Ok(read) => read,
        Err(error) => return error.into(),
    };
    let mut value = wells_txn_state_t { members: members as u32, commit_votes: commit_votes as u32, ..Default::default() };
    match state {
        TxnState::Active if commit_votes > 0 => value.state = WELLS_TXN_COMMITTING,
        TxnState::Active => value.state = WELLS_TXN_ACTIVE,
        TxnState::Committed => value.state = WELLS_TXN_COMMITTED,
        TxnState::Aborted(reason) => {
            value.state = WELLS_TXN_ABORTED;
            value.reason = match reason {
                AbortReason::Voted => WELLS_TXN_ABORT_VOTED,
                AbortReason::Conflict(object) => {
                    value.conflict = object.into();
                    WELLS_TXN_ABORT_CONFLICT
                }
                AbortReason::Deadline => WELLS_TXN_ABORT_DEADLINE,
                AbortReason::MemberEnded => WELLS_TXN_ABORT_MEMBER_ENDED,
                AbortReason::ObjectGone => WELLS_TXN_ABORT_OBJECT_GONE,
            };
        }
    }
    store(out, value)
}

/// Reports a transaction's counters.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_txn_counters(txn: wells_txn_t, out: *mut wells_txn_counters_t) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel().and_then(|k| k.txn_counters(txn.into())) {
        Ok(counters) => store(out, counters.into()),
        Err(error) => error.into(),
    }
}

/// Destroys a transaction (aborting it if active); members waiting in a vote get
/// `WELLS_ERR_DESTROYED`.
#[no_mangle]
pub extern "C" fn wells_txn_destroy(txn: wells_txn_t) -> wells_status {
    with_kernel(|k| k.txn_destroy(txn.into()))
}

/// Abort policies for `wells_txn_set_policy`.
pub const WELLS_TXN_REPORT: u32 = 0;
pub const WELLS_TXN_RESTART: u32 = 1;
pub const WELLS_TXN_STOP: u32 = 2;

/// What happens to the members when the transaction aborts: `WELLS_TXN_REPORT` (default: their
/// calls return `WELLS_ERR_ABORTED`), `WELLS_TXN_RESTART` (the transaction starts over and every
/// member is restarted from its entry, at most `max_retries` times), `WELLS_TXN_STOP` (every
/// member ends with exit code -1).
#[no_mangle]
pub extern "C" fn wells_txn_set_policy(txn: wells_txn_t, policy: u32, max_retries: u32) -> wells_status {
    use wells_core::txn::AbortPolicy;
    let policy = match policy {
        WELLS_TXN_REPORT => AbortPolicy::Report,
        WELLS_TXN_RESTART => AbortPolicy::Restart { max_retries },
        WELLS_TXN_STOP => AbortPolicy::Stop,
        _ => return WELLS_ERR_INVALID_ARGUMENT,
    };
    with_kernel(|k| k.txn_set_policy(txn.into(), policy))
}
