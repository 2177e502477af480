//! A 32-bit counter widened to 64 bits in software, one widened value per CPU (plain logic, so
//! host tests reach it; the ARMv7-A port's `PMCCNTR` uses it). Each CPU's counter runs apart:
//! started (and zeroed) when that CPU starts it, so its 32 bits differ from another CPU's. One
//! widened value for all would take a jump of nearly 2^32 whenever the next reading came from
//! another CPU.

use crate::kernel::percpu::MAX_CPUS;
use core::sync::atomic::{AtomicU64, Ordering};

/// The last widened value of each CPU's counter, by the CPU's slot
/// (`kernel::percpu::slot_of`). Each slot is written only by its own CPU, with its
/// interrupts masked (the caller's part), so a load and a store are enough.
pub struct Widened {
    last: [AtomicU64; MAX_CPUS],
}

impl Widened {
    pub const fn new() -> Self {
        Widened { last: [const { AtomicU64::new(0) }; MAX_CPUS] }
    }

    /// The counter of the CPU in `slot` (`percpu::slot_of`, so below `MAX_CPUS`) was zeroed
    /// (started again).
    pub fn zeroed(&self, slot: usize) {
        self.last[slot].store(0, Ordering::Relaxed);
    }

    /// `raw`, the 32 bits the CPU in `slot` read now, widened by its own last value: right
    /// while that CPU reads its counter at least once per 2^32 counts.
    pub fn widen(&self, slot: usize, raw: u32) -> u64 {
        let last = &self.last[slot];
        let before = last.load(Ordering::Relaxed);
        let now = before + raw.wrapping_sub(before as u32) as u64;
        last.store(now, Ordering::Relaxed);
        now
    }
}

impl Default for Widened {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_cpu_wraps_into_the_high_word() {
        let widened = Widened::new();
        assert_eq!(widened.widen(0, 0xffff_fff0), 0xffff_fff0);
        assert_eq!(widened.widen(0, 0x10), 0x1_0000_0010);
        assert_eq!(widened.widen(0, 0x20), 0x1_0000_0020);
        widened.zeroed(0);
        assert_eq!(widened.widen(0, 5), 5);
    }

    /// Two CPUs whose counters were started far apart read in turn: each CPU's values must
    /// follow its own counter. A value shared by both jumps by about 2^32 at every turn.
    #[cfg(feature = "smp")]
    #[test]
    fn each_cpu_keeps_its_own_value() {
        let widened = Widened::new();
        let (mut cpu0, mut cpu1) = (3_000_000_000u32, 1_000u32);
        let (first0, first1) = (widened.widen(0, cpu0), widened.widen(1, cpu1));
        for step in 1..=1000u32 {
            cpu0 = cpu0.wrapping_add(5_000_000);
            cpu1 = cpu1.wrapping_add(7);
            assert_eq!(widened.widen(0, cpu0), first0 + 5_000_000 * step as u64);
            assert_eq!(widened.widen(1, cpu1), first1 + 7 * step as u64);
        }
        // CPU 1 started again: only its value restarts.
        widened.zeroed(1);
        assert_eq!(widened.widen(1, 9), 9);
        assert_eq!(widened.widen(0, cpu0.wrapping_add(1)), first0 + 5_000_000_000 + 1);
    }
}
