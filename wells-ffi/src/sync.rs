//! Mutex, semaphore and event calls.

use crate::handles::{wells_event_t, wells_mutex_t, wells_sem_t};
use crate::instance::{kernel, kernel_for_create, with_kernel};
use crate::status::{wells_status, wells_status::*};
use crate::threads::store;
use wells_core::{Handle, Timeout};

/// Event flag: a set releases one waiter and clears itself (without it: manual reset).
pub const WELLS_EVENT_AUTO_RESET: u32 = 1;
/// Event flag: the event starts set.
pub const WELLS_EVENT_INITIALLY_SET: u32 = 2;

/// Runs a create call and stores the new handle.
fn create<T: From<Handle>>(out: *mut T, make: impl FnOnce() -> wells_core::Result<Handle>) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match make() {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Creates an unlocked mutex (non-recursive, priority inheritance).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_mutex_create(out: *mut wells_mutex_t) -> wells_status {
    create(out, || kernel_for_create(0)?.mutex_create())
}

/// Destroys a mutex; threads waiting for it get `WELLS_ERR_DESTROYED`.
#[no_mangle]
pub extern "C" fn wells_mutex_destroy(mutex: wells_mutex_t) -> wells_status {
    with_kernel(|kernel| kernel.mutex_destroy(mutex.into()))
}

/// Locks a mutex, waiting at most `timeout_ms`. `WELLS_ERR_OWNER_DIED`: locked, but the
/// previous owner exited holding it. `WELLS_ERR_DEADLOCK`: the caller already holds it.
#[no_mangle]
pub extern "C" fn wells_mutex_lock(mutex: wells_mutex_t, timeout_ms: u32) -> wells_status {
    with_kernel(|kernel| kernel.mutex_lock(mutex.into(), Timeout::from_ms(timeout_ms)))
}

/// Unlocks a mutex the caller holds (`WELLS_ERR_NOT_OWNER` otherwise).
#[no_mangle]
pub extern "C" fn wells_mutex_unlock(mutex: wells_mutex_t) -> wells_status {
    with_kernel(|kernel| kernel.mutex_unlock(mutex.into()))
}

/// Creates a counting semaphore with `initial` units of at most `max` (`max` > 0).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_sem_create(out: *mut wells_sem_t, initial: u32, max: u32) -> wells_status {
    create(out, || kernel_for_create(0)?.semaphore_create(initial, max))
}

/// Destroys a semaphore; its waiters get `WELLS_ERR_DESTROYED`.
#[no_mangle]
pub extern "C" fn wells_sem_destroy(sem: wells_sem_t) -> wells_status {
    with_kernel(|kernel| kernel.semaphore_destroy(sem.into()))
}

/// Takes one unit, waiting at most `timeout_ms` for one.
#[no_mangle]
pub extern "C" fn wells_sem_wait(sem: wells_sem_t, timeout_ms: u32) -> wells_status {
    with_kernel(|kernel| kernel.semaphore_wait(sem.into(), Timeout::from_ms(timeout_ms)))
}

/// Gives one unit (to the first waiter if any); `WELLS_ERR_LIMIT` at the maximum.
#[no_mangle]
pub extern "C" fn wells_sem_post(sem: wells_sem_t) -> wells_status {
    with_kernel(|kernel| kernel.semaphore_post(sem.into()))
}

/// Stores the units available now in `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_sem_value(sem: wells_sem_t, out: *mut u32) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel().and_then(|kernel| kernel.semaphore_value(sem.into())) {
        Ok(value) => store(out, value),
        Err(error) => error.into(),
    }
}

/// Creates an event; `flags` is a mix of `WELLS_EVENT_AUTO_RESET` and
/// `WELLS_EVENT_INITIALLY_SET` (other bits are refused).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_event_create(out: *mut wells_event_t, flags: u32) -> wells_status {
    if flags & !(WELLS_EVENT_AUTO_RESET | WELLS_EVENT_INITIALLY_SET) != 0 {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    create(out, || {
        kernel_for_create(0)?.event_create(flags & WELLS_EVENT_AUTO_RESET != 0, flags & WELLS_EVENT_INITIALLY_SET != 0)
    })
}

/// Destroys an event; its waiters get `WELLS_ERR_DESTROYED`.
#[no_mangle]
pub extern "C" fn wells_event_destroy(event: wells_event_t) -> wells_status {
    with_kernel(|kernel| kernel.event_destroy(event.into()))
}

/// Waits at most `timeout_ms` for the event to be set.
#[no_mangle]
pub extern "C" fn wells_event_wait(event: wells_event_t, timeout_ms: u32) -> wells_status {
    with_kernel(|kernel| kernel.event_wait(event.into(), Timeout::from_ms(timeout_ms)))
}

/// Sets the event (auto-reset: releases one waiter; manual-reset: releases all, stays set).
#[no_mangle]
pub extern "C" fn wells_event_set(event: wells_event_t) -> wells_status {
    with_kernel(|kernel| kernel.event_set(event.into()))
}

/// Clears the event.
#[no_mangle]
pub extern "C" fn wells_event_reset(event: wells_event_t) -> wells_status {
    with_kernel(|kernel| kernel.event_reset(event.into()))
}
