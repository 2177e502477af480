//! The PMU cycle counter, readable at EL0 once the kernel allows it (benchmarks do); on the MPU
//! boards, the kernel's clock.

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
#[cfg(all(target_arch = "arm", not(wells_mpu)))]
pub fn cycles() -> u64 {
    let count: u32;
    // SAFETY: as above, through the AArch32 view of the same register.
    unsafe { core::arch::asm!("isb", "mrc p15, 0, {0}, c9, c13, 0", out(reg) count, options(nomem, nostack)) };
    count as u64
}

/// The MPU boards' tasks have no counter they may read (the Cortex-M3's SysTick is
/// privileged-only, QEMU's Cortex-R52 has no PMU): the kernel's clock (`time`) in ns instead,
/// which under QEMU `-icount shift=0` is one instruction each (0 if the call failed).
#[cfg(wells_mpu)]
pub fn cycles() -> u64 {
    crate::calls::time().unwrap_or(0)
}

/// Opens or closes a measured window for `cargo xtask profile` (which finds this function by
/// name in the program's symbols); call it outside the [`cycles`] readings, so it costs the
/// figure nothing. Its own section, which the programs' linker scripts put right after the
/// start code: at one address in every program, so no other program's code there is taken
/// for it.
#[inline(never)]
#[link_section = ".text.wells_profile_mark"]
pub fn profile_mark() {
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}
