//! Timer calls: callbacks from the tick, one-shot or periodic.

use crate::handles::wells_timer_t;
use crate::instance::{kernel_for_create, unpreempted, with_kernel};
use crate::status::{wells_status, wells_status::*};
use crate::threads::{store, CArg};
use alloc::boxed::Box;
use core::ffi::c_void;

/// A timer callback. It runs in tick context: post, set and send with `WELLS_NO_WAIT` are
/// fine; any call given a timeout other than `WELLS_NO_WAIT` returns `WELLS_ERR_BAD_CONTEXT`.
#[allow(non_camel_case_types)]
pub type wells_timer_fn = Option<unsafe extern "C" fn(arg: *mut c_void)>;

/// Creates a stopped timer that calls `callback(arg)`.
///
/// # Safety
/// `out` is NULL or writable; `callback` may be called with `arg` from the tick.
#[no_mangle]
pub unsafe extern "C" fn wells_timer_create(out: *mut wells_timer_t, callback: wells_timer_fn, arg: *mut c_void) -> wells_status {
    let (Some(callback), false) = (callback, out.is_null()) else { return WELLS_ERR_INVALID_ARGUMENT };
    // Checked before anything is allocated: without a kernel there is no heap.
    let kernel = match kernel_for_create(0) {
        Ok(kernel) => kernel,
        Err(error) => return error.into(),
    };
    let arg = CArg(arg);
    let made = unpreempted(kernel, || {
        // SAFETY: the C caller promises `callback(arg)` may run from the tick.
        let body = Box::new(move || unsafe { callback(arg.get()) });
        kernel.timer_create(body)
    });
    match made {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Starts (or restarts) a timer: first call after `delay_ms`, then every `period_ms`
/// (0 = once).
#[no_mangle]
pub extern "C" fn wells_timer_start(timer: wells_timer_t, delay_ms: u32, period_ms: u32) -> wells_status {
    with_kernel(|kernel| kernel.timer_start(timer.into(), delay_ms as u64 * 1_000_000, period_ms as u64 * 1_000_000))
}

/// Stops a timer (no error if it was not running).
#[no_mangle]
pub extern "C" fn wells_timer_cancel(timer: wells_timer_t) -> wells_status {
    with_kernel(|kernel| kernel.timer_cancel(timer.into()))
}

/// Stops and destroys a timer.
#[no_mangle]
pub extern "C" fn wells_timer_destroy(timer: wells_timer_t) -> wells_status {
    with_kernel(|kernel| kernel.timer_destroy(timer.into()))
}
