//! Unit tests of the library's own logic: status mapping, handles, the host table check, the
//! instance life cycle (one kernel, refused calls around it, the heap reserve, other host
//! threads) and the checks on decision-set and telemetry buffers. The calls run without
//! `wells_run`: no wells thread is needed for what is checked here.

use crate::*;
use core::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use wells_core::Error;
use wells_status::*;

/// The library holds one kernel: tests that create it take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
/// What the test host's `host_thread` answers.
static FAKE_THREAD: AtomicU64 = AtomicU64::new(1);

/// A test's turn with the one kernel; a failed test still shuts it down for the next.
struct Turn(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

fn turn() -> Turn {
    Turn(ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner()))
}

impl Drop for Turn {
    fn drop(&mut self) {
        FAKE_THREAD.store(1, Ordering::SeqCst);
        let _ = wells_shutdown();
    }
}

unsafe extern "C" fn now_ns(_: *mut c_void) -> u64 {
    0
}
unsafe extern "C" fn timer_arm(_: *mut c_void, _: u64) {}
unsafe extern "C" fn timer_cancel(_: *mut c_void) {}
unsafe extern "C" fn console_write(_: *mut c_void, _: *const c_char, _: usize) {}
unsafe extern "C" fn mem_alloc(_: *mut c_void, size: usize, align: usize) -> *mut c_void {
    let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: a test host; the size is not zero (wells asks for its heap).
    unsafe { std::alloc::alloc(layout).cast() }
}
unsafe extern "C" fn mem_free(_: *mut c_void, ptr: *mut c_void, size: usize, align: usize) {
    let layout = std::alloc::Layout::from_size_align(size, align).unwrap();
    // SAFETY: `ptr` came from `mem_alloc` with this layout.
    unsafe { std::alloc::dealloc(ptr.cast(), layout) }
}
unsafe extern "C" fn no_memory(_: *mut c_void, _: usize, _: usize) -> *mut c_void {
    core::ptr::null_mut()
}
unsafe extern "C" fn host_thread(_: *mut c_void) -> u64 {
    FAKE_THREAD.load(Ordering::SeqCst)
}

fn table() -> wells_host_ops {
    wells_host_ops {
        version: WELLS_HOST_OPS_VERSION,
        size: core::mem::size_of::<wells_host_ops>() as u32,
        ctx: core::ptr::null_mut(),
        heap_size: 0,
        now_ns: Some(now_ns),
        timer_arm: Some(timer_arm),
        timer_cancel: Some(timer_cancel),
        console_write: Some(console_write),
        mem_alloc: Some(mem_alloc),
        mem_free: Some(mem_free),
        idle: None,
        panic: None,
        host_thread: None,
        guard_page: None,
    }
}

fn init(ops: &wells_host_ops) -> wells_status {
    // SAFETY: a whole table.
    unsafe { wells_init(ops) }
}

const ERRORS: [Error; 20] = [
    Error::InvalidArgument,
    Error::InvalidHandle,
    Error::WrongKind,
    Error::NoMemory,
    Error::Limit,
    Error::Timeout,
    Error::WouldBlock,
    Error::NotOwner,
    Error::Deadlock,
    Error::Destroyed,
    Error::BadState,
    Error::NotInitialized,
    Error::AlreadyInitialized,
    Error::BadContext,
    Error::OwnerDied,
    Error::AbiMismatch,
    Error::Aborted,
    Error::AccessDenied,
    Error::Sealed,
    Error::NotSupported,
];

#[test]
fn every_core_error_maps_to_its_status_and_has_its_own_name() {
    let mut names = std::collections::BTreeSet::new();
    for error in ERRORS {
        let status = wells_status::from(error);
        assert_eq!(status as i32, -(error as i32), "{error:?}");
        // SAFETY: wells_status_str returns static NUL-terminated text.
        let name = unsafe { CStr::from_ptr(wells_status_str(status as i32)) };
        assert_ne!(name.to_bytes(), b"unknown status", "{error:?}");
        assert!(names.insert(name.to_bytes().to_vec()), "{error:?} shares its name");
    }
    for unknown in [1, -21, i32::MIN, i32::MAX] {
        // SAFETY: as above.
        let name = unsafe { CStr::from_ptr(wells_status_str(unknown)) };
        assert_eq!(name.to_bytes(), b"unknown status");
    }
    assert_eq!(crate::status::status_of(Ok(())), WELLS_OK);
    assert_eq!(crate::status::status_of(Err(Error::Timeout)), WELLS_ERR_TIMEOUT);
}

#[test]
fn handles_carry_the_raw_value_both_ways() {
    let core = wells_core::Handle::from_raw(0x1234_5678_9abc_def0);
    let sem: wells_sem_t = core.into();
    assert_eq!(sem.raw, 0x1234_5678_9abc_def0);
    assert_eq!(wells_core::Handle::from(sem), core);
    let txn: wells_txn_t = wells_core::Handle::from_raw(7).into();
    assert_eq!(wells_core::Handle::from(txn).raw(), 7);
}

#[test]
fn the_host_table_is_checked_before_anything_is_taken() {
    let _turn = turn();
    // SAFETY: NULL is allowed.
    assert_eq!(unsafe { wells_init(core::ptr::null()) }, WELLS_ERR_INVALID_ARGUMENT);
    let mut ops = table();
    ops.version += 1;
    assert_eq!(init(&ops), WELLS_ERR_ABI_MISMATCH);
    let mut ops = table();
    ops.size -= 8;
    assert_eq!(init(&ops), WELLS_ERR_ABI_MISMATCH);
    for missing in 0..6 {
        let mut ops = table();
        match missing {
            0 => ops.now_ns = None,
            1 => ops.timer_arm = None,
            2 => ops.timer_cancel = None,
            3 => ops.console_write = None,
            4 => ops.mem_alloc = None,
            _ => ops.mem_free = None,
        }
        assert_eq!(init(&ops), WELLS_ERR_INVALID_ARGUMENT, "callback {missing} missing");
    }
    let mut ops = table();
    ops.heap_size = 32 * 1024;
    assert_eq!(init(&ops), WELLS_ERR_INVALID_ARGUMENT, "heap below 64 KiB");
    let mut ops = table();
    ops.mem_alloc = Some(no_memory);
    assert_eq!(init(&ops), WELLS_ERR_NO_MEMORY);
    assert_eq!(wells_run(), WELLS_ERR_NOT_INITIALIZED, "nothing was left started");
}

#[test]
fn one_instance_lives_from_init_to_shutdown() {
    let _turn = turn();
    let mut sem = wells_sem_t { raw: 0 };
    // SAFETY: `sem` is writable.
    assert_eq!(unsafe { wells_sem_create(&mut sem, 0, 1) }, WELLS_ERR_NOT_INITIALIZED);
    assert_eq!(wells_shutdown(), WELLS_ERR_NOT_INITIALIZED);
    assert_eq!(wells_now_ns(), 0);
    for _round in 0..2 {
        assert_eq!(init(&table()), WELLS_OK);
        assert_eq!(init(&table()), WELLS_ERR_ALREADY_INITIALIZED);
        // SAFETY: `sem` is writable; NULL is refused.
        unsafe {
            assert_eq!(wells_sem_create(&mut sem, 0, 1), WELLS_OK);
            assert_eq!(wells_sem_create(core::ptr::null_mut(), 0, 1), WELLS_ERR_INVALID_ARGUMENT);
            assert_eq!(wells_sem_create(&mut sem as *mut _, 2, 1), WELLS_ERR_INVALID_ARGUMENT);
        }
        assert_eq!(wells_sem_post(sem), WELLS_OK);
        assert_eq!(wells_sem_post(sem), WELLS_ERR_LIMIT);
        assert_eq!(wells_sem_post(wells_sem_t { raw: 0 }), WELLS_ERR_INVALID_HANDLE);
        assert_eq!(wells_mutex_destroy(wells_mutex_t { raw: sem.raw }), WELLS_ERR_WRONG_KIND);
        assert_eq!(wells_sem_wait(sem, 10), WELLS_ERR_BAD_CONTEXT, "host main may not wait");
        assert_eq!(wells_sem_wait(sem, WELLS_NO_WAIT), WELLS_OK);
        assert_eq!(wells_sem_wait(sem, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
        assert_eq!(wells_sem_destroy(sem), WELLS_OK);
        assert_eq!(wells_sem_post(sem), WELLS_ERR_INVALID_HANDLE, "stale");
        assert_eq!(wells_shutdown(), WELLS_OK);
        assert_eq!(wells_sem_post(sem), WELLS_ERR_NOT_INITIALIZED);
    }
}

#[test]
fn creation_stops_at_the_heap_reserve() {
    let _turn = turn();
    assert_eq!(init(&table()), WELLS_OK);
    let total = crate::instance::HEAP.stats().total;
    assert!(crate::instance::kernel_for_create(0).is_ok());
    assert_eq!(crate::instance::kernel_for_create(total - total / 16 + 1).err(), Some(Error::NoMemory));
    assert_eq!(wells_telemetry_enable(0), WELLS_ERR_INVALID_ARGUMENT);
    assert_eq!(wells_telemetry_enable(65537), WELLS_ERR_INVALID_ARGUMENT);
    assert_eq!(wells_telemetry_enable(65536), WELLS_ERR_NO_MEMORY, "2.5 MiB of ring in a 1 MiB heap");
    assert_eq!(wells_telemetry_enable(64), WELLS_OK);
    assert_eq!(wells_shutdown(), WELLS_OK);
}

#[test]
fn only_the_host_thread_that_started_wells_may_call_it() {
    let _turn = turn();
    let mut ops = table();
    ops.host_thread = Some(host_thread);
    FAKE_THREAD.store(1, Ordering::SeqCst);
    assert_eq!(init(&ops), WELLS_OK);
    let mut sem = wells_sem_t { raw: 0 };
    // SAFETY: `sem` is writable.
    assert_eq!(unsafe { wells_sem_create(&mut sem, 0, 1) }, WELLS_OK);
    FAKE_THREAD.store(2, Ordering::SeqCst);
    assert_eq!(wells_sem_post(sem), WELLS_ERR_BAD_CONTEXT);
    assert_eq!(init(&ops), WELLS_ERR_ALREADY_INITIALIZED, "no second kernel");
    assert_eq!(wells_shutdown(), WELLS_ERR_BAD_CONTEXT);
    assert_eq!(wells_now_ns(), 0);
    FAKE_THREAD.store(1, Ordering::SeqCst);
    assert_eq!(wells_sem_post(sem), WELLS_OK);
    assert_eq!(wells_shutdown(), WELLS_OK);
}

#[test]
fn decision_sets_and_telemetry_buffers_are_checked() {
    let _turn = turn();
    assert_eq!(init(&table()), WELLS_OK);
    let mut error = wells_set_error_t { rule: 99, field: core::ptr::null() };
    // SAFETY: NULL and short buffers are what is checked; `error` is writable.
    unsafe {
        assert_eq!(wells_policy_load(core::ptr::null(), 16, &mut error), WELLS_ERR_INVALID_ARGUMENT);
        let garbage = [0xa5u8; 40];
        assert_eq!(wells_policy_load(garbage.as_ptr().cast(), garbage.len(), &mut error), WELLS_ERR_INVALID_ARGUMENT);
        assert_eq!(error.rule, -1, "the header is wrong");
        assert!(!error.field.is_null() && !CStr::from_ptr(error.field).to_bytes().is_empty());
        assert_eq!(wells_policy_load(garbage.as_ptr().cast(), 3, core::ptr::null_mut()), WELLS_ERR_INVALID_ARGUMENT);
    }
    let mut events = [wells_telemetry_event_t::default(); 4];
    let (mut count, mut dropped, mut next) = (0usize, 0u64, 0u64);
    let record = core::mem::size_of::<wells_telemetry_event_t>();
    // SAFETY: the buffers are as large as said (or NULL where that is what is checked).
    unsafe {
        let out = events.as_mut_ptr();
        assert_eq!(wells_telemetry_read(0, out, 4, record - 8, &mut count, &mut dropped, &mut next), WELLS_ERR_ABI_MISMATCH);
        assert_eq!(wells_telemetry_read(0, core::ptr::null_mut(), 4, record, &mut count, &mut dropped, &mut next), WELLS_ERR_INVALID_ARGUMENT);
        assert_eq!(wells_telemetry_read(0, out, 4, record, core::ptr::null_mut(), &mut dropped, &mut next), WELLS_ERR_INVALID_ARGUMENT);
        assert_eq!(wells_telemetry_read(0, out, 4, record, &mut count, &mut dropped, &mut next), WELLS_OK);
    }
    assert_eq!(count, 0, "the ring is off");
    assert_eq!(wells_shutdown(), WELLS_OK);
}

#[test]
fn embedders_record_their_own_trace_points_only() {
    let _turn = turn();
    assert_eq!(wells_trace_record(WELLS_TELEMETRY_IRQ_ENTER, 1), WELLS_ERR_NOT_INITIALIZED);
    assert_eq!(init(&table()), WELLS_OK);
    assert_eq!(wells_trace_record(WELLS_TELEMETRY_IRQ_ENTER, 1), WELLS_OK, "off: nothing recorded");
    assert_eq!(wells_telemetry_enable(16), WELLS_OK);
    assert_eq!(wells_trace_record(WELLS_TELEMETRY_SWITCH, 0), WELLS_ERR_INVALID_ARGUMENT, "the kernel's own kind");
    assert_eq!(wells_trace_record(99, 0), WELLS_ERR_INVALID_ARGUMENT);
    assert_eq!(wells_trace_record(WELLS_TELEMETRY_SYSCALL_ENTER, 7), WELLS_OK);
    let mut events = [wells_telemetry_event_t::default(); 4];
    let (mut count, mut dropped, mut next) = (0usize, 0u64, 0u64);
    let record = core::mem::size_of::<wells_telemetry_event_t>();
    // SAFETY: the buffers are as large as said.
    let read = unsafe { wells_telemetry_read(0, events.as_mut_ptr(), 4, record, &mut count, &mut dropped, &mut next) };
    assert_eq!((read, count, dropped, next), (WELLS_OK, 1, 0, 1));
    assert_eq!((events[0].kind, events[0].subject, events[0].arg), (WELLS_TELEMETRY_SYSCALL_ENTER, 0, 7), "outside a wells thread: no subject");
    assert_eq!(wells_shutdown(), WELLS_OK);
}
