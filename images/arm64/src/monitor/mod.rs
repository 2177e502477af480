//! wells as the monitor at EL3 (QEMU `virt,secure=on`, loaded with `-bios`): it runs in place
//! from the secure flash, establishes EL3 (vectors, SCR_EL3, CPTR_EL3, MDCR_EL3, the GIC's
//! interrupts handed to the normal world), prints on the secure console (UART1) and enters the
//! normal world at non-secure EL2 where QEMU loaded its image (the board's `[secure]`
//! `normal-world-image`).
//! From then on it answers the normal world's SMCs: SMCCC 1.1 and PSCI 1.1
//! (`wells_core::arch::monitor`, `docs/monitor.md`); SYSTEM_OFF and SYSTEM_RESET go through the
//! secure GPIO.

pub mod board;
pub(crate) mod boot;
pub mod run;
mod trap;
mod worlds;

pub use board::Board;
