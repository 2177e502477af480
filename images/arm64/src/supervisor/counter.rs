//! The instruction counter of the bench image: PMCCNTR_EL0, 64 bits.

use super::Board;
use wells_board_common::bench::Counter;
use wells_core::arch::aarch64::{cycle_counter_start, cycles};

impl Counter for Board {
    fn counter_start() {
        cycle_counter_start();
    }

    fn counter() -> u64 {
        cycles()
    }

    fn counter_raw() -> u64 {
        cycles()
    }

    fn counter_between(earlier: u64, later: u64) -> u64 {
        later - earlier
    }
}
