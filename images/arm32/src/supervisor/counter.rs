//! The instruction counter of the bench image, by CPU.

/// Cortex-A15: PMCCNTR, 32 bits on ARMv7, widened in software.
#[cfg(feature = "qemu-virt")]
mod pmu {
    use super::super::Board;
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
}

/// Cortex-R52: QEMU 10's Cortex-R52 has no PMU (ID_DFR0.PerfMon
/// is 0, `-cpu cortex-r52,pmu=on` is refused, PMCCNTR reads 0), so the counter is the generic
/// timer's virtual count CNTVCT (CP15, 64 bits) in nanoseconds: under `-icount shift=0` QEMU's
/// virtual clock advances exactly 1 ns per instruction, so the count times 10^9 / CNTFRQ is an
/// instruction count. CNTFRQ is 62.5 MHz here: one count per 16 instructions (measured: a
/// 200 000-instruction loop moves CNTVCT by 12 501), so figures move in steps of 16 instructions.
#[cfg(feature = "mps3-an536")]
mod generic_timer {
    use super::super::Board;
    use wells_board_common::bench::Counter;
    use wells_core::arch::arm;

    /// Nanoseconds (instructions under `-icount shift=0`) per count of CNTVCT.
    fn ns_per_count(frequency: u64) -> u64 {
        1_000_000_000 / frequency
    }

    impl Counter for Board {
        /// The generic timer always runs.
        fn counter_start() {}

        fn counter() -> u64 {
            let (count, frequency) = arm::counter();
            count * ns_per_count(frequency)
        }

        fn counter_raw() -> u64 {
            Self::counter()
        }

        fn counter_between(earlier: u64, later: u64) -> u64 {
            later - earlier
        }
    }
}
