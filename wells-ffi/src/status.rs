//! Status codes returned by every call.

use wells_core::Error;

/// Result of a wells call: `WELLS_OK` (0) or a negative error code.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wells_status {
    /// Success.
    WELLS_OK = 0,
    /// A NULL pointer, out-of-range value or wrong length.
    WELLS_ERR_INVALID_ARGUMENT = -1,
    /// A handle never valid, forged, or stale (object destroyed, thread joined).
    WELLS_ERR_INVALID_HANDLE = -2,
    /// A valid handle of another kind of object.
    WELLS_ERR_WRONG_KIND = -3,
    /// The kernel heap is exhausted.
    WELLS_ERR_NO_MEMORY = -4,
    /// A fixed limit was reached (object table full, semaphore at its maximum).
    WELLS_ERR_LIMIT = -5,
    /// The wait timed out.
    WELLS_ERR_TIMEOUT = -6,
    /// `WELLS_NO_WAIT` was given and the call would have to wait.
    WELLS_ERR_WOULD_BLOCK = -7,
    /// A mutex was unlocked by a thread that does not own it.
    WELLS_ERR_NOT_OWNER = -8,
    /// The call could never return (relock by the owner, join of self; `wells_run` when every
    /// live thread is blocked forever).
    WELLS_ERR_DEADLOCK = -9,
    /// The object was destroyed while the caller waited on it.
    WELLS_ERR_DESTROYED = -10,
    /// The object is not in a state that allows this call.
    WELLS_ERR_BAD_STATE = -11,
    /// `wells_init` has not run (or `wells_shutdown` ran).
    WELLS_ERR_NOT_INITIALIZED = -12,
    /// `wells_init` ran twice without `wells_shutdown`.
    WELLS_ERR_ALREADY_INITIALIZED = -13,
    /// A call that may block made outside a wells thread, in a timer callback or inside
    /// `wells_critical_enter`; `wells_shutdown` from a wells thread.
    WELLS_ERR_BAD_CONTEXT = -14,
    /// The mutex was acquired, but its previous owner exited holding it.
    WELLS_ERR_OWNER_DIED = -15,
    /// `wells_host_ops.version` or `.size` does not match this library.
    WELLS_ERR_ABI_MISMATCH = -16,
    /// The transaction aborted; nothing of it remains.
    WELLS_ERR_ABORTED = -17,
    /// The caller's domain was not granted this access.
    WELLS_ERR_ACCESS_DENIED = -18,
    /// The kernel is sealed (static configuration): it creates no more objects.
    WELLS_ERR_SEALED = -19,
    /// The kernel was built without the feature the call needs (the C library has them all;
    /// a small board image may not).
    WELLS_ERR_NOT_SUPPORTED = -20,
}

use wells_status::*;

impl From<Error> for wells_status {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidArgument => WELLS_ERR_INVALID_ARGUMENT,
            Error::InvalidHandle => WELLS_ERR_INVALID_HANDLE,
            Error::WrongKind => WELLS_ERR_WRONG_KIND,
            Error::NoMemory => WELLS_ERR_NO_MEMORY,
            Error::Limit => WELLS_ERR_LIMIT,
            Error::Timeout => WELLS_ERR_TIMEOUT,
            Error::WouldBlock => WELLS_ERR_WOULD_BLOCK,
            Error::NotOwner => WELLS_ERR_NOT_OWNER,
            Error::Deadlock => WELLS_ERR_DEADLOCK,
            Error::Destroyed => WELLS_ERR_DESTROYED,
            Error::BadState => WELLS_ERR_BAD_STATE,
            Error::NotInitialized => WELLS_ERR_NOT_INITIALIZED,
            Error::AlreadyInitialized => WELLS_ERR_ALREADY_INITIALIZED,
            Error::BadContext => WELLS_ERR_BAD_CONTEXT,
            Error::OwnerDied => WELLS_ERR_OWNER_DIED,
            Error::AbiMismatch => WELLS_ERR_ABI_MISMATCH,
            Error::Aborted => WELLS_ERR_ABORTED,
            Error::AccessDenied => WELLS_ERR_ACCESS_DENIED,
            Error::Sealed => WELLS_ERR_SEALED,
            Error::NotSupported => WELLS_ERR_NOT_SUPPORTED,
        }
    }
}

/// Turns a core result into a status.
pub(crate) fn status_of(result: wells_core::Result<()>) -> wells_status {
    match result {
        Ok(()) => WELLS_OK,
        Err(error) => error.into(),
    }
}

/// A short English name for a status; unknown values give "unknown status".
#[no_mangle]
pub extern "C" fn wells_status_str(status: i32) -> *const core::ffi::c_char {
    let text: &core::ffi::CStr = match status {
        0 => c"ok",
        -1 => c"invalid argument",
        -2 => c"invalid handle",
        -3 => c"handle of the wrong kind",
        -4 => c"out of memory",
        -5 => c"limit reached",
        -6 => c"timed out",
        -7 => c"would block",
        -8 => c"not the owner",
        -9 => c"deadlock",
        -10 => c"object destroyed while waiting",
        -11 => c"bad state",
        -12 => c"not initialised",
        -13 => c"already initialised",
        -14 => c"not allowed in this context",
        -15 => c"previous owner died",
        -16 => c"ABI version or size mismatch",
        -17 => c"transaction aborted",
        -18 => c"access denied",
        -19 => c"kernel sealed: no new objects",
        -20 => c"not built into this kernel",
        _ => c"unknown status",
    };
    text.as_ptr()
}
