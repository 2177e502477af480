//! Ending the run with a status: natively through semihosting, which ends QEMU with it (how the
//! test harness reads a result); as a guest of the wells hypervisor through PSCI SYSTEM_OFF with
//! the status in r1 — QEMU would take the semihosting call itself and end every VM at once.
//! Which of the two is found out at boot ([`detect`]): the same image runs both ways.

use core::sync::atomic::{AtomicBool, Ordering};
use wells_board_common::hypervisor::hypercalls::WELLS_VERSION;
use wells_core::arch::arm::{mode, psci};


static GUEST: AtomicBool = AtomicBool::new(false);

/// Finds out whether a wells hypervisor runs this image. Its guests start in SVC mode, where
/// it answers VERSION with a positive number; entered in HYP mode the image is on QEMU itself,
/// and in SVC mode on QEMU (no HYP) QEMU's PSCI answers NOT_SUPPORTED.
pub fn detect(entry_mode: u32) {
    GUEST.store(entry_mode == mode::SVC && psci::call(WELLS_VERSION) > 0, Ordering::Relaxed);
}

/// True when a wells hypervisor runs this image (after [`detect`]).
pub fn is_guest() -> bool {
    GUEST.load(Ordering::Relaxed)
}

/// Ends the run with `status` (0 = success).
pub fn exit(status: i32) -> ! {
    if is_guest() {
        psci::system_off(status)
    }
    crate::semihosting::exit(status)
}
