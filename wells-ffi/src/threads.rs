//! Thread calls.

use crate::handles::wells_thread_t;
use crate::instance::{kernel, kernel_for_create, unpreempted, with_kernel, SMALL_ALLOCATION};
use crate::status::{wells_status, wells_status::*};
use alloc::boxed::Box;
use core::ffi::{c_char, c_void};
use wells_core::arch::joined::Joined;
use wells_core::{Arch, Handle, Timeout};

/// Lowest thread priority.
pub const WELLS_PRIORITY_MIN: u32 = 0;
/// Highest thread priority.
pub const WELLS_PRIORITY_MAX: u32 = 31;
/// Priority for threads that need no particular one.
pub const WELLS_PRIORITY_DEFAULT: u32 = 16;
/// Round-robin time slice among threads of one priority, in milliseconds.
pub const WELLS_TIME_SLICE_MS: u32 = 10;
/// Stack size used when `wells_thread_create` is given 0 (16 KiB in wells.ko on arm64, whose
/// kernel stacks are 16 KiB: `docs/linux-module.md`).
pub const WELLS_DEFAULT_STACK_SIZE: usize = 64 * 1024;
/// Smallest stack a thread may have.
pub const WELLS_MIN_STACK_SIZE: usize = 16 * 1024;
/// Timeout: never wait.
pub const WELLS_NO_WAIT: u32 = 0;
/// Timeout: wait as long as it takes.
pub const WELLS_WAIT_FOREVER: u32 = u32::MAX;

/// Every CPU a thread of this library may run on, as a CPU set (bit n: CPU n): the default set
/// of a thread. The library runs one CPU per process (`docs/c-api.md`): CPU 0 only.
pub const WELLS_CPUS_ALL: u32 = 1;

/// Thread states reported by `wells_thread_stats`.
pub const WELLS_THREAD_CREATED: u32 = 0;
pub const WELLS_THREAD_READY: u32 = 1;
pub const WELLS_THREAD_RUNNING: u32 = 2;
pub const WELLS_THREAD_BLOCKED: u32 = 3;
pub const WELLS_THREAD_SLEEPING: u32 = 4;
pub const WELLS_THREAD_SUSPENDED: u32 = 5;
pub const WELLS_THREAD_EXITED: u32 = 6;
/// Runnable, but its domain used its CPU budget for this period.
pub const WELLS_THREAD_THROTTLED: u32 = 7;

// The header needs literal values; these keep them equal to the core's.
const _: () = {
    assert!(WELLS_MIN_STACK_SIZE == <Joined as Arch>::MIN_STACK);
    assert!(WELLS_PRIORITY_MAX == wells_core::sched::PRIORITY_MAX as u32);
    assert!(WELLS_PRIORITY_DEFAULT == wells_core::sched::PRIORITY_DEFAULT as u32);
    assert!(WELLS_CPUS_ALL == wells_core::kernel::percpu::ALL_CPUS);
    assert!(WELLS_TIME_SLICE_MS as u64 * 1_000_000 == wells_core::sched::TIME_SLICE_NS);
};
#[cfg(not(all(target_arch = "aarch64", feature = "linux-kernel")))]
const _: () = assert!(WELLS_DEFAULT_STACK_SIZE == <Joined as Arch>::DEFAULT_STACK);

/// Entry of a wells thread; returning from it is `wells_thread_exit(return value)`.
#[allow(non_camel_case_types)]
pub type wells_thread_entry = Option<unsafe extern "C" fn(arg: *mut c_void) -> i32>;

/// A C pointer carried into a thread or timer closure.
pub(crate) struct CArg(pub *mut c_void);

// SAFETY: wells only hands the pointer back to the C function it came with.
unsafe impl Send for CArg {}

impl CArg {
    pub fn get(&self) -> *mut c_void {
        self.0
    }
}

/// Writes a handle through a checked out-pointer.
pub(crate) fn store<T>(out: *mut T, value: T) -> wells_status {
    // SAFETY: callers check `out` is non-null; C promises it is writable.
    unsafe { out.write(value) };
    WELLS_OK
}

/// Reads up to 31 bytes of a C name, stopping at NUL (never reads past the NUL).
fn read_name(name: *const c_char, buffer: &mut [u8; 31]) -> &str {
    if name.is_null() {
        return "thread";
    }
    let mut len = 0;
    while len < buffer.len() {
        // SAFETY: the caller promises a NUL-terminated string; we stop at its NUL. Read as a
        // byte: `c_char` is signed on x86_64 and unsigned on Arm.
        let byte = unsafe { *name.cast::<u8>().add(len) };
        if byte == 0 {
            break;
        }
        buffer[len] = byte;
        len += 1;
    }
    match core::str::from_utf8(&buffer[..len]) {
        Ok(text) => text,
        Err(error) => core::str::from_utf8(&buffer[..error.valid_up_to()]).unwrap_or("thread"),
    }
}

/// Creates a thread in the `WELLS_THREAD_CREATED` state; `wells_thread_start` runs it.
/// `name` may be NULL ("thread"; longer than 31 bytes is cut), `stack_size` 0 means
/// `WELLS_DEFAULT_STACK_SIZE`, smaller than `WELLS_MIN_STACK_SIZE` is refused (in wells.ko on
/// arm64: 0 and at most 16 KiB are taken, 16 KiB is given).
///
/// # Safety
/// `out` is NULL or writable; `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn wells_thread_create(
    out: *mut wells_thread_t,
    name: *const c_char,
    priority: u32,
    stack_size: usize,
    entry: wells_thread_entry,
    arg: *mut c_void,
) -> wells_status {
    let (Some(entry), false) = (entry, out.is_null()) else { return WELLS_ERR_INVALID_ARGUMENT };
    let Ok(priority) = u8::try_from(priority) else { return WELLS_ERR_INVALID_ARGUMENT };
    let mut buffer = [0u8; 31];
    let name = read_name(name, &mut buffer);
    // Checked before anything is allocated: without a kernel there is no heap.
    let stack_bytes = if stack_size == 0 { Joined::DEFAULT_STACK } else { stack_size };
    // The stack, its alignment, page rounding and guard page, the control block and run-queue
    // room.
    let room = stack_bytes.saturating_add(Joined::STACK_ALIGN + 2 * 4096 + 2 * SMALL_ALLOCATION);
    let kernel = match kernel_for_create(room) {
        Ok(kernel) => kernel,
        Err(error) => return error.into(),
    };
    let arg = CArg(arg);
    let made = unpreempted(kernel, || {
        // SAFETY: the C caller promises `entry` may be called with `arg` on a wells thread.
        let body = Box::new(move || unsafe { entry(arg.get()) });
        kernel.thread_create(name, priority, stack_size, body)
    });
    match made {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Makes a created thread runnable.
#[no_mangle]
pub extern "C" fn wells_thread_start(thread: wells_thread_t) -> wells_status {
    with_kernel(|kernel| kernel.thread_start(thread.into()))
}

/// Ends the calling wells thread with `code`; does not return. Outside a wells thread it
/// returns `WELLS_ERR_BAD_CONTEXT`.
#[no_mangle]
pub extern "C" fn wells_thread_exit(code: i32) -> wells_status {
    match kernel() {
        Ok(kernel) => kernel.thread_exit(code).into(),
        Err(error) => error.into(),
    }
}

/// Waits at most `timeout_ms` for a thread to exit and stores its exit code in `*exit_code`
/// (may be NULL). The handle is stale afterwards.
///
/// # Safety
/// `exit_code` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_thread_join(thread: wells_thread_t, exit_code: *mut i32, timeout_ms: u32) -> wells_status {
    match kernel().and_then(|kernel| kernel.thread_join(thread.into(), Timeout::from_ms(timeout_ms))) {
        Ok(code) if !exit_code.is_null() => store(exit_code, code),
        Ok(_) => WELLS_OK,
        Err(error) => error.into(),
    }
}

/// Sleeps at least `ms` milliseconds (0 yields).
#[no_mangle]
pub extern "C" fn wells_thread_sleep(ms: u32) -> wells_status {
    with_kernel(|kernel| kernel.sleep_ns(ms as u64 * 1_000_000))
}

/// Lets other ready threads of the same priority run.
#[no_mangle]
pub extern "C" fn wells_thread_yield() -> wells_status {
    with_kernel(|kernel| kernel.yield_now())
}

/// Stops a thread until `wells_thread_resume` (a blocked one first finishes its wait).
#[no_mangle]
pub extern "C" fn wells_thread_suspend(thread: wells_thread_t) -> wells_status {
    with_kernel(|kernel| kernel.thread_suspend(thread.into()))
}

/// Lets a suspended thread run again.
#[no_mangle]
pub extern "C" fn wells_thread_resume(thread: wells_thread_t) -> wells_status {
    with_kernel(|kernel| kernel.thread_resume(thread.into()))
}

/// Starts another thread over from its entry on its own stack, abandoning what it was doing
/// (its wait ends, its mutexes pass on with owner-died); nothing is allocated. `WELLS_ERR_BAD_CONTEXT`
/// for the caller itself, `WELLS_ERR_BAD_STATE` for a thread not started or ended.
#[no_mangle]
pub extern "C" fn wells_thread_restart(thread: wells_thread_t) -> wells_status {
    with_kernel(|kernel| kernel.thread_restart(thread.into()))
}

/// The calling thread's handle.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_thread_self(out: *mut wells_thread_t) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel().and_then(|kernel| kernel.current_thread()) {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Sets a thread's base priority (priority inheritance may keep it higher for a while).
#[no_mangle]
pub extern "C" fn wells_thread_set_priority(thread: wells_thread_t, priority: u32) -> wells_status {
    let Ok(priority) = u8::try_from(priority) else { return WELLS_ERR_INVALID_ARGUMENT };
    with_kernel(|kernel| kernel.thread_set_priority(thread.into(), priority))
}

/// Pins a thread to the CPUs of `cpus` (bit n: CPU n); a running thread whose CPU is left out
/// moves at once. In this library (one CPU per process) only CPU 0's bit is valid:
/// `INVALID_ARGUMENT` for an empty set or any other bit, `BAD_STATE` for an exited thread. Set
/// it between `wells_thread_create` and `wells_thread_start` to pin a thread from its start.
#[no_mangle]
pub extern "C" fn wells_thread_set_affinity(thread: wells_thread_t, cpus: u32) -> wells_status {
    with_kernel(|kernel| kernel.thread_set_affinity(thread.into(), cpus))
}

/// Writes the CPU set of `thread` (bit n: CPU n; `WELLS_CPUS_ALL` unless set) to `*cpus`.
///
/// # Safety
/// `cpus` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_thread_affinity(thread: wells_thread_t, cpus: *mut u32) -> wells_status {
    if cpus.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel().and_then(|kernel| kernel.thread_affinity(thread.into())) {
        Ok(set) => store(cpus, set),
        Err(error) => error.into(),
    }
}

/// A thread as `wells_thread_stats` reports it.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wells_thread_stats_t {
    /// NUL-terminated name.
    pub name: [c_char; 32],
    /// One of `WELLS_THREAD_*`.
    pub state: u32,
    /// Priority the thread was given.
    pub base_priority: u32,
    /// Effective priority (raised by priority inheritance).
    pub priority: u32,
    /// Time on the CPU, nanoseconds.
    pub run_time_ns: u64,
    /// Times the thread was switched onto the CPU.
    pub switches: u64,
    /// Exit code once `state` is `WELLS_THREAD_EXITED`.
    pub exit_code: i32,
    /// Deadline misses (releases that ended after their deadline).
    pub deadline_misses: u32,
    /// Time runnable but not running, nanoseconds.
    pub wait_time_ns: u64,
    /// Transactions of it that aborted on a conflict.
    pub conflicts: u32,
    /// Transactions of it that aborted for any reason.
    pub aborts: u32,
}

/// Fills `*out` with a snapshot of a thread.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_thread_stats(thread: wells_thread_t, out: *mut wells_thread_stats_t) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let stats = match kernel().and_then(|kernel| kernel.thread_stats(thread.into())) {
        Ok(stats) => stats,
        Err(error) => return error.into(),
    };
    let mut name = [0 as c_char; 32];
    for (to, from) in name.iter_mut().zip(stats.name.iter()) {
        *to = *from as c_char;
    }
    store(
        out,
        wells_thread_stats_t {
            name,
            state: stats.state as u32,
            base_priority: stats.base_priority as u32,
            priority: stats.priority as u32,
            run_time_ns: stats.run_time_ns,
            switches: stats.switches,
            exit_code: stats.exit_code,
            deadline_misses: stats.deadline_misses,
            wait_time_ns: stats.wait_time_ns,
            conflicts: stats.conflicts,
            aborts: stats.aborts,
        },
    )
}

/// Stores up to `capacity` handles of threads not yet joined in `out` and how many exist in
/// `*count` (which may exceed `capacity`). `out` may be NULL when `capacity` is 0.
///
/// # Safety
/// `out` has room for `capacity` handles; `count` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_thread_list(out: *mut wells_thread_t, capacity: usize, count: *mut usize) -> wells_status {
    if count.is_null() || (out.is_null() && capacity > 0) {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let kernel = match kernel() {
        Ok(kernel) => kernel,
        Err(error) => return error.into(),
    };
    let mut handles = [Handle::from_raw(0); 64];
    let mut total = kernel.thread_list(&mut handles);
    if total > handles.len() && capacity > handles.len() {
        // More threads than the quick buffer: list into a heap buffer of the right size.
        total = unpreempted(kernel, || {
            let mut all = alloc::vec![Handle::from_raw(0); total.min(capacity)];
            let total = kernel.thread_list(&mut all);
            for (i, handle) in all.iter().enumerate() {
                // SAFETY: `i < capacity` and the caller promises room for `capacity` handles.
                unsafe { out.add(i).write((*handle).into()) };
            }
            total
        });
    } else {
        for (i, handle) in handles.iter().take(total.min(capacity)).enumerate() {
            // SAFETY: as above.
            unsafe { out.add(i).write((*handle).into()) };
        }
    }
    store(count, total)
}
