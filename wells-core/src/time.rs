//! Time as the core sees it: nanoseconds of a monotonic clock, and how long a caller may wait.

/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;

/// Whole milliseconds in `ns`, rounded up: `ns.div_ceil(NS_PER_MS)`, without a 64-bit
/// division. A 32-bit CPU has none; the library routine that stands in for it takes some 500
/// bytes of flash (a board that arms a millisecond tick needs this on every re-arm). 1 ms is
/// 2^6 x 15 625 ns: a shift, then long division by 15 625 sixteen bits at a time, each step a
/// 32-bit division (a remainder below 2^14 and 16 more bits fit in 32).
pub fn ms_ceil(ns: u64) -> u64 {
    const DIVISOR: u32 = 15_625;
    let x = ns >> 6;
    let top = (x >> 32) as u32;
    let high = top / DIVISOR;
    let middle = ((top % DIVISOR) << 16) | ((x as u32) >> 16);
    let low = ((middle % DIVISOR) << 16) | (x as u32 & 0xffff);
    let quotient = ((high as u64) << 32) | (((middle / DIVISOR) << 16) | (low / DIVISOR)) as u64;
    quotient + u64::from(!low.is_multiple_of(DIVISOR) || !ns.is_multiple_of(64))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms_ceil_is_div_ceil() {
        let mut values = vec![0, 1, 63, 64, 65, 999_999, 1_000_000, 1_000_001, 15_625 << 6, (15_625 << 22) - 1, 1 << 32, u64::MAX - 1, u64::MAX];
        // Around multiples of a millisecond across the range, and a pseudo-random walk.
        for ms in [1u64, 2, 4_294, 4_295, 1 << 20, 1 << 32, 1 << 40, u64::MAX / NS_PER_MS] {
            let at = ms * NS_PER_MS;
            values.extend([at - 1, at, at + 1, at + 63, at + 64]);
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.extend([x, x >> 20, x >> 40]);
        }
        for ns in values {
            assert_eq!(ms_ceil(ns), ns.div_ceil(NS_PER_MS), "{ns} ns");
        }
    }
}
