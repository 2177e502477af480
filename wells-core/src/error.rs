//! The kernel error type: one answer for every way a call can fail.

/// Why a kernel call failed. The numeric values are the C status codes (negated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Error {
    /// A null pointer, out-of-range value or wrong length.
    InvalidArgument = 1,
    /// A handle that was never valid, was forged, or whose object is gone.
    InvalidHandle = 2,
    /// A valid handle of another kind of object.
    WrongKind = 3,
    /// The kernel heap is exhausted.
    NoMemory = 4,
    /// A fixed limit was reached (object table full, semaphore at its maximum).
    Limit = 5,
    /// The wait timed out.
    Timeout = 6,
    /// A zero timeout was given and the call would have to wait.
    WouldBlock = 7,
    /// A mutex was unlocked by a thread that does not own it.
    NotOwner = 8,
    /// The call could never complete (relock by the owner, join of self, all threads blocked).
    Deadlock = 9,
    /// The object was destroyed while the caller waited on it.
    Destroyed = 10,
    /// The object is not in a state that allows this call.
    BadState = 11,
    /// The kernel is not initialised.
    NotInitialized = 12,
    /// The kernel is already initialised.
    AlreadyInitialized = 13,
    /// A call that may block was made outside a kernel thread (or from a timer callback).
    BadContext = 14,
    /// The mutex was acquired, but its previous owner exited while holding it.
    OwnerDied = 15,
    /// A versioned structure from outside does not match this build.
    AbiMismatch = 16,
    /// The transaction aborted (its state says why); nothing of it remains.
    Aborted = 17,
    /// The caller's domain was not granted this access to the object.
    AccessDenied = 18,
    /// The kernel is sealed (static configuration): no object may be created any more.
    Sealed = 19,
    /// The kernel was built without the feature this call needs (a small configuration:
    /// transactions, decision sets or telemetry compiled out; `docs/core.md`).
    NotSupported = 20,
}

impl Error {
    /// A short, stable, human-readable name.
    pub const fn describe(self) -> &'static str {
        match self {
            Error::InvalidArgument => "invalid argument",
            Error::InvalidHandle => "invalid handle",
            Error::WrongKind => "handle of the wrong kind",
            Error::NoMemory => "out of memory",
            Error::Limit => "limit reached",
            Error::Timeout => "timed out",
            Error::WouldBlock => "would block",
            Error::NotOwner => "not the owner",
            Error::Deadlock => "deadlock",
            Error::Destroyed => "object destroyed while waiting",
            Error::BadState => "bad state",
            Error::NotInitialized => "not initialised",
            Error::AlreadyInitialized => "already initialised",
            Error::BadContext => "not allowed in this context",
            Error::OwnerDied => "previous owner died",
            Error::AbiMismatch => "ABI version or size mismatch",
            Error::Aborted => "transaction aborted",
            Error::AccessDenied => "access denied",
            Error::Sealed => "kernel sealed: no new objects",
            Error::NotSupported => "not built into this kernel",
        }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Result of a kernel call.
pub type Result<T> = core::result::Result<T, Error>;
