//! The AN536's GICv3: the distributor, and one redistributor per CPU (RD_base frame, then the
//! SGI/PPI frame 64 KiB above), CPU interface through the system
//! registers (ICC_*, CP15 in AArch32). QEMU's model has one security state: the kernel uses
//! group 1 only. Only the timer's private interrupt is enabled.

use core::arch::asm;
use core::ptr::{read_volatile, write_volatile};

const GICD: usize = crate::facts::GIC_DISTRIBUTOR_BASE;
const GICR: usize = crate::facts::GIC_REDISTRIBUTOR_BASE;
const SGI: usize = GICR + 0x1_0000;

const GICD_CTLR: usize = GICD;
const GICR_WAKER: usize = GICR + 0x14;
const GICR_IGROUPR0: usize = SGI + 0x080;
const GICR_ISENABLER0: usize = SGI + 0x100;
const GICR_IPRIORITYR: usize = SGI + 0x400;

fn write(address: usize, value: u32) {
    // SAFETY: GICv3 registers of this board (device memory in the MPU map).
    unsafe { write_volatile(address as *mut u32, value) }
}

fn read(address: usize) -> u32 {
    // SAFETY: as above.
    unsafe { read_volatile(address as *const u32) }
}

/// Enables the distributor (affinity routing, group 1), wakes CPU 0's redistributor, enables
/// private interrupt `id` in group 1 at priority 0x80, and opens the CPU interface.
pub(crate) fn init(id: u32) {
    // EnableGrp0 | EnableGrp1 | ARE.
    write(GICD_CTLR, 0b1_0011);
    write(GICR_WAKER, read(GICR_WAKER) & !(1 << 1));
    while read(GICR_WAKER) & (1 << 2) != 0 {}
    write(GICR_IGROUPR0, read(GICR_IGROUPR0) | 1 << id);
    // SAFETY: GICR_IPRIORITYR is byte-accessible.
    unsafe { write_volatile((GICR_IPRIORITYR + id as usize) as *mut u8, 0x80) };
    write(GICR_ISENABLER0, 1 << id);
    // SAFETY: ICC_SRE (system register interface), ICC_PMR (unmask all priorities),
    // ICC_IGRPEN1 (group 1 on): only this CPU's interface is affected.
    unsafe {
        asm!(
            "mrc p15, 0, {t}, c12, c12, 5",
            "orr {t}, {t}, #1",
            "mcr p15, 0, {t}, c12, c12, 5",
            "isb",
            "mcr p15, 0, {pmr}, c4, c6, 0",
            "mcr p15, 0, {one}, c12, c12, 7",
            "isb",
            t = out(reg) _, pmr = in(reg) 0xffu32, one = in(reg) 1u32,
            options(nostack)
        )
    };
}

/// Takes the highest pending group 1 interrupt (ICC_IAR1): its ID (1020..1023: none).
pub(crate) fn acknowledge() -> u32 {
    let id: u32;
    // SAFETY: reads ICC_IAR1, which acknowledges the interrupt.
    unsafe { asm!("mrc p15, 0, {0}, c12, c12, 0", out(reg) id, options(nostack)) };
    id & 0xff_ffff
}

/// Ends interrupt `id` (ICC_EOIR1).
pub(crate) fn end(id: u32) {
    // SAFETY: writes ICC_EOIR1 for an interrupt taken with `acknowledge`.
    unsafe { asm!("mcr p15, 0, {0}, c12, c12, 1", "isb", in(reg) id, options(nostack)) };
}

/// An IRQ: when it is the timer's (`timer`), the one-shot timer is silenced (the kernel arms
/// the next deadline itself) and the kernel's timer interrupt runs.
#[cfg(feature = "supervisor")]
pub(crate) fn interrupt<P: wells_board_common::Platform>(timer: u32) {
    let id = acknowledge();
    if id >= 1020 {
        return;
    }
    // Trace points (`cargo xtask trace`): compiled out unless the image traces.
    let traced = wells_board_common::trace::on();
    if let (true, Some(kernel)) = (traced, P::slot().get()) {
        kernel.trace(wells_core::telemetry::EventKind::IrqEnter, id as u64);
    }
    if id == timer {
        P::timer_cancel();
    }
    end(id);
    if id == timer {
        if let Some(kernel) = P::slot().get() {
            kernel.timer_interrupt();
        }
    }
    if let (true, Some(kernel)) = (traced, P::slot().get()) {
        kernel.trace(wells_core::telemetry::EventKind::IrqExit, id as u64);
    }
}
