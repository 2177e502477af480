//! wells on QEMU `virt` with a Cortex-A15 (ARMv7-A): the board image library. It establishes
//! SVC mode from whatever mode QEMU entered in (SVC, or HYP with `virtualization=on`), brings up
//! the PL011 console, the GICv2 and the PL1 virtual timer, and hands a [`Board`] to the
//! application (`app_main`, defined by each binary), which runs the shared code of
//! `wells-board-common` on it.
//!
//! Board facts (QEMU 10 `virt`, 32-bit): RAM at 0x4000_0000, PL011 at 0x0900_0000, GICv2
//! distributor at 0x0800_0000 and CPU interface at 0x0801_0000, virtual timer PPI = INTID 27.
//! The GICv2 and PL011 drivers are the shared ones (same devices, same addresses as arm64).
#![no_std]

extern crate alloc;

#[cfg(feature = "user")]
pub mod apps;
mod boot;
pub mod board;
mod counter;
pub mod exit;
mod memory;
mod panic;
pub use wells_core::arch::arm::semihosting;
mod tasks;
mod trap;

pub use board::{Board, BoardKernel, KernelOnBoard};
