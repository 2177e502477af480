//! QEMU `virt` with a Cortex-A15: a PL011 console and a GICv2 (the shared drivers, at the
//! description's addresses), and PSCI firmware (conduit `hvc`), which the image ends through
//! when it runs as a guest. Nothing to do in the entry mode.

use crate::facts;
use core::sync::atomic::{AtomicBool, Ordering};
use wells_core::arch::arm::{psci, semihosting};
use wells_board_common::gic::Gic;
use wells_board_common::pl011::Pl011;
#[cfg(feature = "supervisor")]
use wells_board_common::Platform;

// SAFETY: the board's GICv2 distributor and CPU interface (device memory in the supervisor's
// MMU map; the hypervisor runs with physical addresses).
pub(crate) static GIC: Gic = unsafe { Gic::new(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_CPU_BASE) };
// SAFETY: the board's PL011, device memory wherever it is used (as the GIC).
pub(crate) static UART: Pl011 = unsafe { Pl011::new(facts::CONSOLE_BASE) };

pub(crate) extern "C" fn at_entry_mode(_mode: u32) {}

/// Sets the interrupt controller up for a kernel whose timer interrupt is `timer`.
#[cfg(feature = "supervisor")]
pub(crate) fn interrupts_init(timer: u32) {
    GIC.init(timer);
}

/// An IRQ: the timer's reaches the kernel of `P`. Answers the interrupt's ID.
#[cfg(feature = "supervisor")]
pub(crate) fn interrupt<P: Platform>(timer: u32) -> u32 {
    GIC.interrupt_id::<P>(timer)
}

/// Set at boot when a wells hypervisor runs this image ([`detect_guest`]).
static GUEST: AtomicBool = AtomicBool::new(false);

/// Finds out whether a wells hypervisor runs this image. Its guests start in SVC mode, where it
/// answers the board's PSCI conduit with its VERSION (positive); entered in HYP mode the image is
/// on QEMU itself, and in SVC mode on QEMU (no HYP) QEMU's PSCI answers NOT_SUPPORTED.
#[cfg(feature = "supervisor")]
pub(crate) fn detect_guest(entry_mode: u32) {
    use wells_board_common::hypervisor::hypercalls::WELLS_VERSION;
    use wells_core::arch::arm::mode;
    GUEST.store(entry_mode == mode::SVC && psci::call(WELLS_VERSION) > 0, Ordering::Relaxed);
}

/// True when a wells hypervisor runs this image (after [`detect_guest`]).
pub(crate) fn is_guest() -> bool {
    GUEST.load(Ordering::Relaxed)
}

/// Ends the run with `status` (0 = success). Natively through semihosting (the CPU's debug
/// interface: QEMU ends with the status, which is how the test harness reads a result); as a
/// guest through the board's firmware interface, PSCI SYSTEM_OFF with the status in r1, which
/// the wells hypervisor reports (QEMU would take a guest's semihosting call itself and end every
/// VM at once).
pub(crate) fn exit(status: i32) -> ! {
    if is_guest() {
        psci::system_off(status)
    }
    semihosting::exit(status)
}
