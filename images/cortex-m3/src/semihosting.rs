//! Arm semihosting (`bkpt 0xab` on M-profile), to leave QEMU with a status.

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
        wells_core::arch::armv7m::wait_for_interrupt();
    }
}
