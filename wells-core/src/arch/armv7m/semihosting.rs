//! Arm semihosting, to leave QEMU with a status (tests report pass/fail this way). On M-profile
//! the call is `bkpt 0xab`, which QEMU intercepts; SYS_EXIT_EXTENDED (semihosting v2) takes the
//! same two-word block as on the A and R profiles, so any status can be given.

use core::arch::asm;

const SYS_EXIT_EXTENDED: u32 = 0x20;
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026;

/// Ends QEMU with `status` (0 = success).
pub fn exit(status: i32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, status as u32];
    // SAFETY: the semihosting call reads the two-word block; QEMU exits and never returns.
    unsafe {
        asm!("bkpt #0xab", inout("r0") SYS_EXIT_EXTENDED => _, in("r1") block.as_ptr(), options(nostack));
    }
    loop {
        super::wait_for_interrupt();
    }
}
