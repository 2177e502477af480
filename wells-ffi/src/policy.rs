//! Scheduling classes, decision sets from an outside advisor, the guard, and telemetry.

use crate::handles::wells_thread_t;
use crate::instance::{kernel, kernel_for_create, unpreempted, with_kernel};
use crate::status::{status_of, wells_status, wells_status::*};
use crate::threads::store;
use core::ffi::{c_char, c_void};
use wells_core::sched::SchedClass;
use wells_core::telemetry::{Event, EventKind, MAX_RING_SIZE};

/// Scheduling classes for `wells_thread_set_class`.
pub const WELLS_CLASS_HARD_RT: u32 = 0;
pub const WELLS_CLASS_SOFT_RT: u32 = 1;
pub const WELLS_CLASS_BEST_EFFORT: u32 = 2;

/// Version of `wells_telemetry_event_t`; `wells_telemetry_read` checks the record size it is given.
pub const WELLS_TELEMETRY_VERSION: u32 = 1;

/// Telemetry event kinds (`wells_telemetry_event_t.kind`).
pub const WELLS_TELEMETRY_SWITCH: u32 = 1;
pub const WELLS_TELEMETRY_WAKE: u32 = 2;
pub const WELLS_TELEMETRY_BLOCK: u32 = 3;
pub const WELLS_TELEMETRY_DEADLINE_MISS: u32 = 4;
pub const WELLS_TELEMETRY_TXN_BEGIN: u32 = 5;
pub const WELLS_TELEMETRY_TXN_COMMIT: u32 = 6;
pub const WELLS_TELEMETRY_TXN_ABORT: u32 = 7;
pub const WELLS_TELEMETRY_TXN_CONFLICT: u32 = 8;
pub const WELLS_TELEMETRY_SET_LOADED: u32 = 9;
pub const WELLS_TELEMETRY_SET_REVERTED: u32 = 10;
pub const WELLS_TELEMETRY_SYSCALL_ENTER: u32 = 11;
pub const WELLS_TELEMETRY_SYSCALL_EXIT: u32 = 12;
pub const WELLS_TELEMETRY_IRQ_ENTER: u32 = 13;
pub const WELLS_TELEMETRY_IRQ_EXIT: u32 = 14;
pub const WELLS_TELEMETRY_HYPERCALL: u32 = 15;
pub const WELLS_TELEMETRY_VM_ENTRY: u32 = 16;
pub const WELLS_TELEMETRY_VM_EXIT: u32 = 17;
pub const WELLS_TELEMETRY_SET_PICK: u32 = 18;
pub const WELLS_TELEMETRY_EXIT: u32 = 19;

/// One telemetry event (record version `WELLS_TELEMETRY_VERSION`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wells_telemetry_event_t {
    /// Position in the stream of every event recorded.
    pub sequence: u64,
    pub time_ns: u64,
    /// One of `WELLS_EVENT_*`.
    pub kind: u32,
    pub reserved: u32,
    /// Raw handle of the thread or transaction concerned (0: none).
    pub subject: u64,
    /// Depends on `kind` (run-queue level, ns late, abort reason, object, rule count...).
    pub arg: u64,
}

/// Why a decision set was refused.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wells_set_error_t {
    /// Index of the bad rule, or -1 for the header.
    pub rule: i32,
    /// NUL-terminated name of the bad field (static text).
    pub field: *const c_char,
}

/// Gives a thread a scheduling class (`WELLS_CLASS_*`) and a deadline relative to each of its
/// releases (start or wake-up) in microseconds (0: none).
#[no_mangle]
pub extern "C" fn wells_thread_set_class(thread: wells_thread_t, class: u32, relative_deadline_us: u64) -> wells_status {
    let class = match class {
        WELLS_CLASS_HARD_RT => SchedClass::HardRealTime,
        WELLS_CLASS_SOFT_RT => SchedClass::SoftRealTime,
        WELLS_CLASS_BEST_EFFORT => SchedClass::BestEffort,
        _ => return WELLS_ERR_INVALID_ARGUMENT,
    };
    let deadline = (relative_deadline_us != 0).then(|| relative_deadline_us.saturating_mul(1000));
    with_kernel(|k| k.thread_set_class(thread.into(), class, deadline))
}

/// Loads a binary decision set (see `tools/wells-policy`; untrusted: every field is checked)
/// and swaps it in at once. On `WELLS_ERR_INVALID_ARGUMENT` the set in force stays and
/// `*error` (may be NULL) names the bad rule and field.
///
/// # Safety
/// `set` points to `len` readable bytes; `error` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_policy_load(set: *const c_void, len: usize, error: *mut wells_set_error_t) -> wells_status {
    if set.is_null() || len > isize::MAX as usize {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller promises `len` readable bytes at `set`.
    let bytes = unsafe { core::slice::from_raw_parts(set.cast::<u8>(), len) };
    // The parsed rules take about as much heap as their encoding.
    let kernel = match kernel_for_create(len) {
        Ok(kernel) => kernel,
        Err(e) => return e.into(),
    };
    match kernel.policy_load(bytes) {
        Ok(()) => WELLS_OK,
        Err(refused) => {
            // The copy's lock must not be held by a thread a transaction's fate restarts or
            // ends while it is preempted: it would never be let go (#23).
            if !error.is_null() {
                unpreempted(kernel, || {
                    // The field names are static text; a NUL-terminated copy is kept here.
                    static FIELD: spin::Mutex<[u8; 96]> = spin::Mutex::new([0; 96]);
                    let mut field = FIELD.lock();
                    let len = refused.field.len().min(field.len() - 1);
                    field[..len].copy_from_slice(&refused.field.as_bytes()[..len]);
                    field[len] = 0;
                    let value = wells_set_error_t { rule: refused.rule.map_or(-1, i32::from), field: field.as_ptr().cast() };
                    store(error, value);
                });
            }
            WELLS_ERR_INVALID_ARGUMENT
        }
    }
}

/// Drops the decision set: classic scheduling again.
#[no_mangle]
pub extern "C" fn wells_policy_clear() -> wells_status {
    with_kernel(|k| {
        k.policy_clear();
        Ok(())
    })
}

/// Sets the guard: deadline misses are counted per `window_ms` window (0: off); a loaded set
/// with more than `margin` misses per window over the window before it is reverted.
#[no_mangle]
pub extern "C" fn wells_policy_guard(window_ms: u32, margin: u32) -> wells_status {
    with_kernel(|k| {
        k.policy_guard(window_ms as u64 * 1_000_000, margin);
        Ok(())
    })
}

/// Starts recording telemetry into a ring of `capacity` events (1..=65536; a ring in force is
/// replaced). `WELLS_ERR_NO_MEMORY` when the ring would eat into the heap's reserve.
#[no_mangle]
pub extern "C" fn wells_telemetry_enable(capacity: usize) -> wells_status {
    if capacity == 0 || capacity > MAX_RING_SIZE {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let bytes = capacity.saturating_mul(core::mem::size_of::<Event>());
    status_of(kernel_for_create(bytes).and_then(|k| k.telemetry_enable(capacity)))
}

/// Records a trace point of the embedder's own in the telemetry ring: `kind` is one of
/// `WELLS_TELEMETRY_SYSCALL_ENTER`/`_EXIT`, `_IRQ_ENTER`/`_EXIT`, `_HYPERCALL`, `_VM_ENTRY`/`_EXIT`
/// (the others are the kernel's to record: `WELLS_ERR_INVALID_ARGUMENT`), `arg` what it says about
/// it; the event names the wells thread running (none outside one). While the ring is off this
/// records nothing and costs one test.
#[no_mangle]
pub extern "C" fn wells_trace_record(kind: u32, arg: u64) -> wells_status {
    const EMBEDDER_KINDS: [EventKind; 7] =
        [EventKind::SyscallEnter, EventKind::SyscallExit, EventKind::IrqEnter, EventKind::IrqExit, EventKind::Hypercall, EventKind::VmEntry, EventKind::VmExit];
    let Some(&kind) = EMBEDDER_KINDS.iter().find(|&&k| k as u32 == kind) else { return WELLS_ERR_INVALID_ARGUMENT };
    match kernel() {
        Ok(kernel) => {
            kernel.trace(kind, arg);
            WELLS_OK
        }
        Err(e) => e.into(),
    }
}

/// Copies up to `capacity` events from sequence `from` on into `out` (`record_size` must be
/// `sizeof(wells_telemetry_event_t)`, else `WELLS_ERR_ABI_MISMATCH`); stores how many in `*count`, how
/// many were lost to overwriting in `*dropped` and where to read next in `*next`.
///
/// # Safety
/// `out` has room for `capacity` records; `count`, `dropped`, `next` are writable.
#[no_mangle]
pub unsafe extern "C" fn wells_telemetry_read(
    from: u64,
    out: *mut wells_telemetry_event_t,
    capacity: usize,
    record_size: usize,
    count: *mut usize,
    dropped: *mut u64,
    next: *mut u64,
) -> wells_status {
    if record_size != core::mem::size_of::<wells_telemetry_event_t>() {
        return WELLS_ERR_ABI_MISMATCH;
    }
    if (out.is_null() && capacity > 0) || count.is_null() || dropped.is_null() || next.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let kernel = match kernel() {
        Ok(kernel) => kernel,
        Err(e) => return e.into(),
    };
    let blank = Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 };
    let mut buffer = [blank; 32];
    let (mut total, mut lost, mut position) = (0usize, 0u64, from);
    while total < capacity {
        let want = (capacity - total).min(buffer.len());
        let (copied, dropped_now, after) = kernel.telemetry_read(position, &mut buffer[..want]);
        if total == 0 {
            lost = dropped_now;
        }
        for (i, event) in buffer[..copied].iter().enumerate() {
            let record = wells_telemetry_event_t {
                sequence: event.sequence,
                time_ns: event.time_ns,
                kind: event.kind as u32,
                reserved: 0,
                subject: event.subject,
                arg: event.arg,
            };
            // SAFETY: `total + i < capacity` and the caller promises room for `capacity`.
            unsafe { out.add(total + i).write(record) };
        }
        total += copied;
        position = after;
        if copied < want {
            break;
        }
    }
    store(count, total);
    store(dropped, lost);
    store(next, position)
}

/// Bounds how long a runnable thread may wait, in milliseconds (0: no bound): past it,
/// whatever the decision set said, it runs at the top level next.
#[no_mangle]
pub extern "C" fn wells_policy_wait_bound(bound_ms: u32) -> wells_status {
    with_kernel(|k| {
        k.policy_wait_bound(bound_ms as u64 * 1_000_000);
        Ok(())
    })
}
