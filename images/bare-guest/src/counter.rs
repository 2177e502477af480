//! The virtual counter and its frequency, as each architecture reads them at PL1/EL1; and two
//! deliberate touches of hardware every VM shares (a debug register, the PMU).

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

/// Writes a debug register (MDSCR_EL1 / DBGBVR0).
pub fn touch_debug_register() {
    #[cfg(target_arch = "aarch64")]
    // SAFETY: a deliberate write the hypervisor traps; clearing MDSCR_EL1 changes nothing here.
    unsafe {
        asm!("msr mdscr_el1, xzr", "isb")
    };
    #[cfg(target_arch = "arm")]
    // SAFETY: as above (breakpoint value register 0, no breakpoint enabled).
    unsafe {
        asm!("mcr p14, 0, {0}, c0, c0, 4", "isb", in(reg) 0u32)
    };
}

/// Reads the PMU cycle counter (PMCCNTR_EL0 / PMCCNTR).
pub fn read_pmu() -> u64 {
    #[cfg(target_arch = "aarch64")]
    {
        let count: u64;
        // SAFETY: reads the cycle counter (or traps to the hypervisor).
        unsafe { asm!("mrs {0}, pmccntr_el0", out(reg) count) };
        count
    }
    #[cfg(target_arch = "arm")]
    {
        let count: u32;
        // SAFETY: as above.
        unsafe { asm!("mrc p15, 0, {0}, c9, c13, 0", out(reg) count) };
        count as u64
    }
}
