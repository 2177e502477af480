//! Arm semihosting, to leave QEMU with a status (tests report pass/fail this way).

use core::arch::asm;

const SYS_EXIT_EXTENDED: u64 = 0x20;
const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Ends QEMU with `status` (0 = success).
pub fn exit(status: i32) -> ! {
    let block = [ADP_STOPPED_APPLICATION_EXIT, status as i64 as u64];
    // SAFETY: the semihosting call reads the two-word block; QEMU exits and never returns.
    unsafe {
        asm!("hlt #0xf000", in("x0") SYS_EXIT_EXTENDED, in("x1") block.as_ptr(), options(nostack));
    }
    loop {
        super::wait_for_interrupt();
    }
}
