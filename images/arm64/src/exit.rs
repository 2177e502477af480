//! Ending the run with a status: natively through semihosting (the CPU's debug interface, in
//! `wells_core::arch::aarch64`), which ends QEMU with it (how the test harness reads a result); as
//! a guest of the wells hypervisor through PSCI SYSTEM_OFF with the status in x1 — QEMU would
//! take the semihosting call itself and end every VM at once. Which of the two is found out at
//! boot ([`detect`]): the same image runs both ways. Below the wells monitor (feature
//! `normal-world`) a passing run ends with PSCI SYSTEM_OFF through `smc`, the monitor's conduit. This is the `virt` board's part: PSCI (its
//! conduit `hvc`, and QEMU's answer to an unknown function) is the board's firmware interface,
//! which the wells hypervisor serves to its guests in turn; the CPU's calls themselves are
//! `wells_core::arch::aarch64::{psci, semihosting}`.

use core::sync::atomic::{AtomicBool, Ordering};
use wells_board_common::hypervisor::hypercalls::WELLS_VERSION;
use wells_core::arch::aarch64::psci;


static GUEST: AtomicBool = AtomicBool::new(false);

/// Finds out whether a wells hypervisor runs this image. Its guests start at EL1, where it
/// answers VERSION with a positive number; entered at EL2 or EL3 the image is on QEMU itself,
/// and at EL1 on QEMU (no EL2) QEMU's PSCI answers NOT_SUPPORTED.
pub fn detect(entry_el: u8) {
    GUEST.store(entry_el == 1 && psci::call(WELLS_VERSION) > 0, Ordering::Relaxed);
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
    // Below the wells monitor (feature `normal-world`): a passing run ends with PSCI SYSTEM_OFF
    // through SMC, which the monitor turns into a power-off (QEMU ends with 0); a failing one
    // through semihosting, which keeps its status.
    #[cfg(feature = "normal-world")]
    if status == 0 {
        wells_core::arch::aarch64::smc::system_off()
    }
    wells_core::arch::aarch64::semihosting::exit(status)
}
