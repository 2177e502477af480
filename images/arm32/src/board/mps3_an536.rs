//! QEMU `mps3-an536` with a Cortex-R52: a CMSDK UART console and a GICv3 (`gicv3.rs`) whose CPU
//! interface is reached through system registers.

use crate::facts;
use core::arch::asm;
use wells_board_common::cmsdk_uart::CmsdkUart;
use wells_core::arch::arm::mode;

pub(crate) use super::gicv3::init as interrupts_init;
#[cfg(feature = "supervisor")]
pub(crate) use super::gicv3::interrupt;
#[cfg(feature = "hypervisor")]
pub(crate) use super::gicv3::{acknowledge, end};
/// Ends the run with a status through semihosting (the CPU's debug interface, which QEMU ends
/// with the status): the board has no firmware to ask, and no hypervisor runs it.
pub(crate) use wells_core::arch::arm::semihosting::exit;

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
