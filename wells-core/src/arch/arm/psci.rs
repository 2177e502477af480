//! PSCI calls a kernel at PL1 makes to the level above it (QEMU's built-in firmware, or a wells
//! hypervisor): through `hvc #0`, the conduit QEMU `virt` uses when it has no EL3 firmware.

use core::arch::asm;

const SYSTEM_OFF: u32 = 0x8400_0008;

/// An SMCCC call with no arguments; returns r0. QEMU's own PSCI answers a function it does not
/// know with NOT_SUPPORTED (-1), as SMCCC asks.
pub fn call(function: u32) -> i32 {
    let result: i32;
    // SAFETY: the firmware or hypervisor answers in r0 and may change r1..r3 (SMCCC 1.0); it
    // touches no memory of ours.
    unsafe {
        asm!(
            ".arch_extension virt",
            "hvc #0",
            inlateout("r0") function => result,
            lateout("r1") _,
            lateout("r2") _,
            lateout("r3") _,
            options(nostack)
        )
    };
    result
}

/// Powers the machine (or the VM) off. `status` goes in r1: plain PSCI ignores it, a wells
/// hypervisor reports it as the guest's result (`docs/hypervisor.md`).
pub fn system_off(status: i32) -> ! {
    // SAFETY: SYSTEM_OFF does not return; the firmware or hypervisor reads only r0 and r1.
    unsafe { asm!(".arch_extension virt", "hvc #0", in("r0") SYSTEM_OFF, in("r1") status as u32, options(nostack)) };
    loop {
        super::wait_for_interrupt();
    }
}
