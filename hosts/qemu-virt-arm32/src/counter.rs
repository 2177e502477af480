//! The instruction counter of the bench image: PMCCNTR, 32 bits on ARMv7, widened in software.

use crate::Board;
use core::sync::atomic::{AtomicU64, Ordering};
use wells_board_common::bench::Counter;
use wells_core::arch::arm::{cycle_counter_start, cycles, Armv7a};
use wells_core::Arch;

/// The last 64-bit counter value `counter` returned.
static WIDE: AtomicU64 = AtomicU64::new(0);

impl Counter for Board {
    fn counter_start() {
        cycle_counter_start();
    }

    /// Widened to 64 bits: PMCCNTR wraps every 2^32 instructions, far longer than between two
    /// readings of the bench.
    fn counter() -> u64 {
        let were_enabled = Armv7a.irq_save();
        let last = WIDE.load(Ordering::Relaxed);
        let count = last + (cycles().wrapping_sub(last as u32)) as u64;
        WIDE.store(count, Ordering::Relaxed);
        Armv7a.irq_restore(were_enabled);
        count
    }

    fn counter_raw() -> u64 {
        cycles() as u64
    }

    fn counter_between(earlier: u64, later: u64) -> u64 {
        (later as u32).wrapping_sub(earlier as u32) as u64
    }
}
