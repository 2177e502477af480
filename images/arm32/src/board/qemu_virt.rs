//! QEMU `virt` with a Cortex-A15: a PL011 console and a GICv2 (the shared drivers, at the
//! description's addresses). Nothing to do in the entry mode.

use crate::facts;
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

/// An IRQ: the timer's reaches the kernel of `P`.
#[cfg(feature = "supervisor")]
pub(crate) fn interrupt<P: Platform>(timer: u32) {
    GIC.interrupt::<P>(timer);
}
