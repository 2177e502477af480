//! PSCI calls a kernel at EL1 makes to the level above it (QEMU's built-in firmware, or a wells
//! hypervisor): through `hvc #0`, the conduit QEMU `virt` uses when it has no EL3 firmware.

use core::arch::asm;

const SYSTEM_OFF: u64 = 0x8400_0008;

/// An SMCCC call with no arguments; returns x0. QEMU's own PSCI answers a function it does not
/// know with NOT_SUPPORTED (-1), as SMCCC asks.
pub fn call(function: u32) -> i64 {
    let result: i64;
    // SAFETY: the firmware or hypervisor answers in x0 and may change x1..x3 (SMCCC 1.0); it
    // touches no memory of ours.
    unsafe {
        asm!(
            "hvc #0",
            inlateout("x0") function as u64 => result,
            lateout("x1") _,
            lateout("x2") _,
            lateout("x3") _,
            options(nostack)
        )
    };
    result
}

/// Powers the machine (or the VM) off. `status` goes in x1: plain PSCI ignores it, a wells
/// hypervisor reports it as the guest's result (`docs/hypervisor.md`).
pub fn system_off(status: i32) -> ! {
    // SAFETY: SYSTEM_OFF does not return; the firmware or hypervisor reads only x0 and x1.
    unsafe { asm!("hvc #0", in("x0") SYSTEM_OFF, in("x1") status as i64 as u64, options(nostack)) };
    loop {
        super::wait_for_interrupt();
    }
}
