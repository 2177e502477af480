//! The interrupt mask of a port that owns no interrupts (`joined`, the M3 partitions'
//! `PartitionCpu`): a flag, and a tick that arrives while it is set is recorded for the core,
//! which runs it when the mask is lifted (`Arch::irq_defer` / `irq_take_deferred`).

use core::sync::atomic::{AtomicBool, Ordering};

/// A software interrupt mask with one deferred tick.
pub struct SoftMask {
    masked: AtomicBool,
    deferred: AtomicBool,
}

impl Default for SoftMask {
    fn default() -> Self {
        Self::new()
    }
}

impl SoftMask {
    /// Ticks let in, nothing deferred.
    pub const fn new() -> Self {
        SoftMask { masked: AtomicBool::new(false), deferred: AtomicBool::new(false) }
    }

    /// Sets the mask; true when it was clear. One atomic swap: a tick (a signal, a virtual
    /// interrupt) cannot land between the test and the set.
    pub fn save(&self) -> bool {
        !self.masked.swap(true, Ordering::AcqRel)
    }

    /// Clears the mask if `save` found it clear.
    pub fn restore(&self, were_enabled: bool) {
        if were_enabled {
            self.masked.store(false, Ordering::Release);
        }
    }

    /// Records a tick for the core to run later.
    pub fn defer(&self) {
        self.deferred.store(true, Ordering::Release);
    }

    /// Takes the recorded tick, if any.
    pub fn take_deferred(&self) -> bool {
        self.deferred.swap(false, Ordering::AcqRel)
    }
}
