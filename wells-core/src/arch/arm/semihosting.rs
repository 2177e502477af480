//! Arm semihosting, to leave QEMU with a status (tests report pass/fail this way). In A32
//! state the call is `svc 0x123456`, which QEMU intercepts in privileged modes before any
//! exception is taken. SYS_EXIT_EXTENDED (semihosting v2) takes the same two-word block as
//! AArch64's SYS_EXIT, so 32-bit code can give any status.

use core::arch::asm;

const SYS_EXIT_EXTENDED: u32 = 0x20;
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026;

/// Ends QEMU with `status` (0 = success).
pub fn exit(status: i32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, status as u32];
    // SAFETY: the semihosting call reads the two-word block; QEMU exits and never returns.
    unsafe {
        asm!("svc 0x123456", in("r0") SYS_EXIT_EXTENDED, in("r1") block.as_ptr(), options(nostack));
    }
    loop {
        super::wait_for_interrupt();
    }
}
