//! The virtual counter and its frequency, as each architecture reads them at PL1/EL1.

use core::arch::asm;

#[cfg(target_arch = "aarch64")]
pub fn virtual_counter() -> (u64, u64) {
    let (count, frequency): (u64, u64);
    // SAFETY: reads the virtual counter and its frequency, always readable at EL1.
    unsafe { asm!("isb", "mrs {0}, cntvct_el0", "mrs {1}, cntfrq_el0", out(reg) count, out(reg) frequency) };
    (count, frequency)
}

#[cfg(target_arch = "arm")]
pub fn virtual_counter() -> (u64, u64) {
    let (low, high, frequency): (u32, u32, u32);
    // SAFETY: reads CNTVCT and CNTFRQ, always readable at PL1.
    unsafe { asm!("isb", "mrrc p15, 1, {0}, {1}, c14", "mrc p15, 0, {2}, c14, c0, 0", out(reg) low, out(reg) high, out(reg) frequency) };
    (((high as u64) << 32) | low as u64, frequency as u64)
}
