//! The instruction counter of ARMv7-A: the PMU cycle counter `PMCCNTR`, which QEMU advances
//! once per instruction under `-icount`; 32 bits on ARMv7, widened in software, per CPU (each
//! CPU has its own counter, started and zeroed apart: `arch::widened`). USR mode may read it
//! once started.

use super::{cycle_counter_start, cycles, Armv7a};
use crate::arch::widened::Widened;
use crate::arch::{Arch, InstructionCounter};
use crate::kernel::percpu::slot_of;

/// `PMCCNTR`, widened to 64 bits.
pub struct CycleCounter;

/// Each CPU's last 64-bit value [`CycleCounter::read`] returned.
static WIDE: Widened = Widened::new();

impl InstructionCounter for CycleCounter {
    /// Starts this CPU's counter from 0 (PMCR.C), and so its widened value.
    #[inline]
    fn start() {
        let were_enabled = Armv7a.irq_save();
        cycle_counter_start();
        WIDE.zeroed(slot_of(|| Armv7a.cpu_id()));
        Armv7a.irq_restore(were_enabled);
    }

    /// Widened to 64 bits: PMCCNTR wraps every 2^32 instructions, far longer than between two
    /// readings of a benchmark. Interrupts masked, so the thread stays on this CPU and nothing
    /// on it reads between the load and the store.
    #[inline]
    fn read() -> u64 {
        let were_enabled = Armv7a.irq_save();
        let count = WIDE.widen(slot_of(|| Armv7a.cpu_id()), cycles());
        Armv7a.irq_restore(were_enabled);
        count
    }

    #[inline]
    fn raw() -> u64 {
        cycles() as u64
    }

    #[inline]
    fn between(earlier: u64, later: u64) -> u64 {
        (later as u32).wrapping_sub(earlier as u32) as u64
    }
}
