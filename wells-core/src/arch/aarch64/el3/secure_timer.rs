//! The secure physical timer (CNTPS), driven by the monitor at EL3 on the secure world's
//! behalf: its interrupt is a group 0 one the monitor takes as FIQ, whatever world runs
//! (`SCR_EL3.FIQ`). With `SCR_EL3.ST` clear the secure world's own accesses to it trap, so only
//! the monitor sets it.

use core::arch::asm;

/// The system counter's frequency (CNTFRQ_EL0), in Hz.
pub fn frequency() -> u64 {
    let frequency: u64;
    // SAFETY: reads a system register, at EL3.
    unsafe { asm!("mrs {0}, cntfrq_el0", out(reg) frequency, options(nomem, nostack)) };
    frequency
}

/// The physical count (CNTPCT_EL0).
pub fn count() -> u64 {
    let count: u64;
    // SAFETY: reads a system register, at EL3; the ISB orders it after earlier instructions.
    unsafe { asm!("isb", "mrs {0}, cntpct_el0", out(reg) count, options(nomem, nostack)) };
    count
}

/// Fires when the count reaches `compare`: enabled, interrupt unmasked.
pub fn arm(compare: u64) {
    // SAFETY: at EL3, CNTPS is the monitor's; writing it only schedules its interrupt.
    unsafe { asm!("msr cntps_cval_el1, {0}", "msr cntps_ctl_el1, {1}", "isb", in(reg) compare, in(reg) 1u64, options(nostack)) };
}

/// Its compare value.
pub fn compare() -> u64 {
    let compare: u64;
    // SAFETY: reads a system register, at EL3.
    unsafe { asm!("mrs {0}, cntps_cval_el1", out(reg) compare, options(nomem, nostack)) };
    compare
}
