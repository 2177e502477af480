//! Time as the core sees it: nanoseconds of a monotonic clock, and how long a caller may wait.

/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;

/// How long a blocking call may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Never block: fail with [`crate::Error::WouldBlock`] instead.
    NoWait,
    /// Wait as long as it takes.
    Forever,
    /// Wait at most this many nanoseconds.
    Ns(u64),
}

impl Timeout {
    /// A timeout in milliseconds, as the C API gives it (`0` = no wait, `u32::MAX` = forever).
    pub const fn from_ms(ms: u32) -> Timeout {
        match ms {
            0 => Timeout::NoWait,
            u32::MAX => Timeout::Forever,
            ms => Timeout::Ns(ms as u64 * NS_PER_MS),
        }
    }

    /// The absolute deadline for a wait starting `now`, `None` for forever.
    pub fn deadline(self, now: u64) -> Option<u64> {
        match self {
            Timeout::NoWait => Some(now),
            Timeout::Forever => None,
            Timeout::Ns(ns) => Some(now.saturating_add(ns)),
        }
    }
}
