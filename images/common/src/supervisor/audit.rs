//! Checks that a failed system call changed nothing (#23): while a test has the audit on, the
//! dispatcher takes a snapshot of the calling task and the kernel before each call and, when
//! the call fails, compares it with one taken after. The system-call fuzz tests turn it on.
//!
//! Only a call during which the caller was never switched out is compared (otherwise other
//! threads ran and may rightly have changed things), and not one whose error reports work
//! that was done: `OwnerDied` (the mutex was taken) and `Aborted` (the transaction ended and
//! let go of its buffers).

use super::TaskPlatform;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use wells_core::kernel::domain_calls::Census;
use wells_core::Error;

static ON: AtomicBool = AtomicBool::new(false);
static COMPARED: AtomicU32 = AtomicU32::new(0);
static CHANGED: AtomicU32 = AtomicU32::new(0);

/// Failed calls that are reported on the console in full (the rest are only counted).
const REPORTED: u32 = 8;

/// What a failed call may not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    census: Census,
    /// The task's handles, and objects it created.
    handles: usize,
    created: usize,
    heap_used: usize,
    allocations: u64,
    /// The calling thread, and the times it was switched in (they say whether to compare:
    /// another thread's call may have taken the place of this one's `before`).
    thread: wells_core::Handle,
    switches: u64,
}

/// What the audit saw since it was turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Failed calls compared.
    pub compared: u32,
    /// Of those, calls that changed something.
    pub changed: u32,
}

/// Turns the audit on, with fresh counts.
pub fn start() {
    COMPARED.store(0, Ordering::SeqCst);
    CHANGED.store(0, Ordering::SeqCst);
    ON.store(true, Ordering::SeqCst);
}

/// Turns the audit off; returns what it saw.
pub fn finish() -> Report {
    ON.store(false, Ordering::SeqCst);
    Report { compared: COMPARED.load(Ordering::SeqCst), changed: CHANGED.load(Ordering::SeqCst) }
}

/// True while a test has the audit on.
#[inline(always)]
pub(super) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// The snapshot taken before the call being audited (one CPU: one call at a time reaches the
/// dispatcher between `before` and `after_failure`; a switch in between is detected).
static BEFORE: spin::Mutex<Option<Snapshot>> = spin::Mutex::new(None);

/// Takes the snapshot before a call. Out of line: the dispatcher's common path only tests [`on`].
#[cold]
#[inline(never)]
pub(super) fn before<P: TaskPlatform>() {
    let snapshot = snapshot::<P>();
    *BEFORE.lock() = snapshot;
}

/// After call `number` failed with `error`: checks it changed nothing since [`before`].
#[cold]
#[inline(never)]
pub(super) fn after_failure<P: TaskPlatform>(number: usize, error: Error) {
    let before = BEFORE.lock().take();
    if let Some(before) = before {
        check::<P>(before, number, error);
    }
}

/// A snapshot for the calling task, if the audit is on.
fn snapshot<P: TaskPlatform>() -> Option<Snapshot> {
    if !on() {
        return None;
    }
    let k = P::kernel();
    let domain = k.current_domain().ok()?;
    let thread = k.current_thread().ok()?;
    let switches = k.thread_stats(thread).ok()?.switches;
    let (handles, created) = P::tasks().with_task(domain, |task| Ok((task.handle_count(), task.created.len()))).ok()?;
    // Last: nothing above allocates, but the heap is what changes most easily.
    let heap = P::heap();
    Some(Snapshot { census: k.census(domain), handles, created, heap_used: heap.used, allocations: heap.allocations, thread, switches })
}

/// Compares `before` with now, after call `number` failed with `error`.
fn check<P: TaskPlatform>(before: Snapshot, number: usize, error: Error) {
    if matches!(error, Error::OwnerDied | Error::Aborted) {
        return;
    }
    let Some(after) = snapshot::<P>() else { return };
    if after.thread != before.thread || after.switches != before.switches {
        return;
    }
    COMPARED.fetch_add(1, Ordering::Relaxed);
    if after == before {
        return;
    }
    if CHANGED.fetch_add(1, Ordering::Relaxed) < REPORTED {
        crate::println!(P, "wells: system call {number} failed ({error}) but changed things: before {before:?}, after {after:?}");
    }
}
