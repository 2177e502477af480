//! Port calls: fixed-size message queues.

use crate::handles::wells_port_t;
use crate::instance::{kernel, kernel_for_create};
use crate::status::{wells_status, wells_status::*};
use crate::threads::store;
use core::ffi::c_void;
use wells_core::Timeout;

/// Creates a port holding `capacity` messages of `msg_size` bytes (both > 0).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_port_create(out: *mut wells_port_t, msg_size: usize, capacity: u32) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel_for_create(msg_size.saturating_mul(capacity as usize)).and_then(|kernel| kernel.port_create(msg_size, capacity)) {
        Ok(handle) => store(out, handle.into()),
        Err(error) => error.into(),
    }
}

/// Destroys a port; blocked senders and receivers get `WELLS_ERR_DESTROYED`.
#[no_mangle]
pub extern "C" fn wells_port_destroy(port: wells_port_t) -> wells_status {
    crate::instance::with_kernel(|kernel| kernel.port_destroy(port.into()))
}

/// Sends one message of `len` bytes (must equal the port's message size), waiting at most
/// `timeout_ms` for room.
///
/// # Safety
/// `msg` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn wells_port_send(port: wells_port_t, msg: *const c_void, len: usize, timeout_ms: u32) -> wells_status {
    if msg.is_null() || len > isize::MAX as usize {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller promises `len` readable bytes at `msg`.
    let msg = unsafe { core::slice::from_raw_parts(msg.cast::<u8>(), len) };
    crate::instance::with_kernel(|kernel| kernel.port_send(port.into(), msg, Timeout::from_ms(timeout_ms)))
}

/// Receives the oldest message into `buf` (`buf_len` at least the message size), waiting at
/// most `timeout_ms` for one.
///
/// # Safety
/// `buf` is NULL or points to `buf_len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wells_port_receive(port: wells_port_t, buf: *mut c_void, buf_len: usize, timeout_ms: u32) -> wells_status {
    if buf.is_null() || buf_len > isize::MAX as usize {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller promises `buf_len` writable bytes at `buf`.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), buf_len) };
    crate::instance::with_kernel(|kernel| kernel.port_receive(port.into(), buf, Timeout::from_ms(timeout_ms)).map(drop))
}

/// A call in one entry into wells (the IPC fast path): sends the first message-size bytes of
/// `buf` on `request`, then waits for the answer on `reply` and takes it into `buf`; both
/// steps share `timeout_ms`. Nothing is sent unless `buf_len` holds the answer too.
///
/// # Safety
/// `buf` is NULL or points to `buf_len` readable and writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wells_port_call(request: wells_port_t, reply: wells_port_t, buf: *mut c_void, buf_len: usize, timeout_ms: u32) -> wells_status {
    if buf.is_null() || buf_len > isize::MAX as usize {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller promises `buf_len` readable and writable bytes at `buf`.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), buf_len) };
    crate::instance::with_kernel(|kernel| kernel.port_call(request.into(), reply.into(), buf, Timeout::from_ms(timeout_ms)).map(drop))
}

/// A server's turn in one entry into wells: sends the first message-size bytes of `buf` on
/// `reply` (the answer to the last request), then waits for the next request on `request` and
/// takes it into `buf`. The mirror of `wells_port_call`.
///
/// # Safety
/// `buf` is NULL or points to `buf_len` readable and writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wells_port_reply_wait(reply: wells_port_t, request: wells_port_t, buf: *mut c_void, buf_len: usize, timeout_ms: u32) -> wells_status {
    if buf.is_null() || buf_len > isize::MAX as usize {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller promises `buf_len` readable and writable bytes at `buf`.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), buf_len) };
    crate::instance::with_kernel(|kernel| kernel.port_reply_wait(reply.into(), request.into(), buf, Timeout::from_ms(timeout_ms)).map(drop))
}

/// Stores the number of queued messages in `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn wells_port_count(port: wells_port_t, out: *mut u32) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    match kernel().and_then(|kernel| kernel.port_count(port.into())) {
        Ok(count) => store(out, count as u32),
        Err(error) => error.into(),
    }
}
