//! wells on QEMU `virt` with a Cortex-A15 (ARMv7-A): the board image library. It establishes
//! SVC mode from whatever mode QEMU entered in (SVC, or HYP with `virtualization=on`), brings up
//! the PL011 console, the GICv2 and the PL1 virtual timer, and hands a [`Board`] to the
//! application (`app_main`, defined by each binary), which runs the shared code of
//! `wells-board-common` on it.
//!
//! Board facts (addresses, interrupts) come from `boards/qemu-virt.toml` ([`facts`]), the
//! same as arm64's; so do the GICv2 and PL011 drivers.
#![no_std]

extern crate alloc;

#[cfg(feature = "user")]
pub mod apps;
mod boot;
pub mod board;
mod counter;
pub mod facts;
pub mod exit;
mod memory;
mod panic;
pub use wells_core::arch::arm::semihosting;
mod tasks;
mod trap;

pub use board::{Board, BoardKernel, KernelOnBoard};
