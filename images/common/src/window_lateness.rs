//! How late the windows of a static partition schedule started: from a window's scheduled
//! start to the partition running again, in nanoseconds (instructions under `-icount
//! shift=0`). The partition executives of the Cortex-R52 and the Cortex-M3 keep one.

/// The spread of window starts over a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lateness {
    pub windows: u32,
    pub min_ns: u64,
    pub max_ns: u64,
}

impl Lateness {
    /// One more window, which started `ns` late.
    pub fn record(&mut self, ns: u64) {
        if self.windows == 0 {
            (self.min_ns, self.max_ns) = (ns, ns);
        }
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        self.windows += 1;
    }

    /// The jitter of window starts: the spread of their lateness.
    pub fn jitter_ns(&self) -> u64 {
        self.max_ns - self.min_ns
    }
}
