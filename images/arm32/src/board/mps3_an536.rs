//! QEMU `mps3-an536` with a Cortex-R52: a CMSDK UART console and a GICv3 (`gicv3.rs`) whose CPU
//! interface is reached through system registers.

use crate::facts;
use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};
use wells_core::arch::arm::{psci, semihosting};
use wells_board_common::cmsdk_uart::CmsdkUart;
use wells_core::arch::arm::mode;

pub(crate) use super::gicv3::init as interrupts_init;
#[cfg(feature = "supervisor")]
pub(crate) use super::gicv3::interrupt;
#[cfg(feature = "hypervisor")]
pub(crate) use super::gicv3::{acknowledge, end};
/// Set at boot when the wells hypervisor runs this image as a partition ([`detect_guest`]).
static GUEST: AtomicBool = AtomicBool::new(false);

/// Finds out whether the wells hypervisor runs this image: QEMU enters this board at EL2, so
/// entered at EL1 (SVC mode) the image is a partition of a hypervisor; wells answers its VERSION
/// hypercall (positive).
#[cfg(feature = "supervisor")]
pub(crate) fn detect_guest(entry_mode: u32) {
    use wells_board_common::hypervisor::hypercalls::WELLS_VERSION;
    GUEST.store(entry_mode == mode::SVC && psci::call(WELLS_VERSION) > 0, Ordering::Relaxed);
}

/// True when the wells hypervisor runs this image (after [`detect_guest`]).
#[cfg(feature = "supervisor")]
pub(crate) fn is_guest() -> bool {
    GUEST.load(Ordering::Relaxed)
}

/// Ends the run with `status`. Natively through semihosting (the CPU's debug interface, which
/// QEMU ends with the status); as a partition of the wells hypervisor through PSCI SYSTEM_OFF
/// with the status in r1 (QEMU would take a partition's semihosting call itself and end every
/// partition at once).
pub(crate) fn exit(status: i32) -> ! {
    if GUEST.load(Ordering::Relaxed) {
        psci::system_off(status)
    }
    semihosting::exit(status)
}

// SAFETY: the board's CMSDK UART, device memory for EL1 in the MPU map.
pub(crate) static UART: CmsdkUart = unsafe { CmsdkUart::new(facts::CONSOLE_BASE) };

/// QEMU enters at EL2 (HYP): let EL1 use the GIC CPU interface's system registers
/// (ICC_HSRE: SRE | Enable) before the drop.
pub(crate) extern "C" fn at_entry_mode(entry_mode: u32) {
    if entry_mode == mode::HYP {
        // SAFETY: ICC_HSRE exists at EL2 on this CPU; setting SRE and Enable only opens the
        // system-register interface to EL1.
        unsafe { asm!("mcr p15, 4, {v}, c12, c9, 5", "isb", v = in(reg) 0xfu32, options(nostack)) };
    }
}
