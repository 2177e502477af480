//! The negative status a call returns, as an error value.

use core::fmt;

/// A failed call: the negative `wells_status` code of `include/wells.h`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error(i32);

impl Error {
    pub const INVALID_ARGUMENT: Error = Error(-1);
    pub const INVALID_HANDLE: Error = Error(-2);
    pub const WRONG_KIND: Error = Error(-3);
    pub const NO_MEMORY: Error = Error(-4);
    pub const LIMIT: Error = Error(-5);
    pub const TIMEOUT: Error = Error(-6);
    pub const WOULD_BLOCK: Error = Error(-7);
    pub const NOT_OWNER: Error = Error(-8);
    pub const DEADLOCK: Error = Error(-9);
    pub const DESTROYED: Error = Error(-10);
    pub const BAD_STATE: Error = Error(-11);
    pub const BAD_CONTEXT: Error = Error(-14);
    pub const OWNER_DIED: Error = Error(-15);
    pub const ABORTED: Error = Error(-17);
    pub const ACCESS_DENIED: Error = Error(-18);
    pub const SEALED: Error = Error(-19);
    pub const NOT_SUPPORTED: Error = Error(-20);

    /// Wraps a status code (meant for negative ones).
    pub const fn from_code(code: i32) -> Error {
        Error(code)
    }

    /// The status code, negative.
    pub const fn code(self) -> i32 {
        self.0
    }

    /// A few words saying what the code means.
    pub const fn describe(self) -> &'static str {
        match self.0 {
            -1 => "invalid argument",
            -2 => "invalid handle",
            -3 => "wrong kind",
            -4 => "no memory",
            -5 => "limit",
            -6 => "timeout",
            -7 => "would block",
            -8 => "not owner",
            -9 => "deadlock",
            -10 => "destroyed",
            -11 => "bad state",
            -12 => "not initialized",
            -13 => "already initialized",
            -14 => "bad context",
            -15 => "owner died",
            -16 => "ABI mismatch",
            -17 => "transaction aborted",
            -18 => "access denied",
            -19 => "kernel sealed",
            -20 => "not supported",
            _ => "unknown status",
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.describe())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
