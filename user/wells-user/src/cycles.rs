//! The PMU cycle counter, readable at EL0 once the kernel allows it (benchmarks do).

/// Reads the cycle counter (PMCCNTR); under QEMU `-icount` it counts instructions.
#[cfg(target_arch = "aarch64")]
pub fn cycles() -> u64 {
    let count: u64;
    // SAFETY: reads PMCCNTR_EL0; the kernel enabled EL0 access (otherwise this traps and the
    // task is stopped, which is the defined answer).
    unsafe { core::arch::asm!("isb", "mrs {0}, pmccntr_el0", out(reg) count, options(nomem, nostack)) };
    count
}

/// Reads the cycle counter (PMCCNTR through CP15, 32 bits).
#[cfg(target_arch = "arm")]
pub fn cycles() -> u64 {
    let count: u32;
    // SAFETY: as above, through the AArch32 view of the same register.
    unsafe { core::arch::asm!("isb", "mrc p15, 0, {0}, c9, c13, 0", out(reg) count, options(nomem, nostack)) };
    count as u64
}
