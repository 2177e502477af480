//! wells on QEMU `virt` (arm64): the board image library. It establishes EL1 from whatever
//! level QEMU entered at, brings up the PL011 console, the GICv2 and the EL1 virtual timer, and
//! hands a [`Board`] to the application (`app_main`, defined by each binary), which runs the
//! shared code of `wells-board-common` on it.
//!
//! Board facts (addresses, interrupts) come from `boards/qemu-virt.toml` ([`facts`]).
//! GICv2 rather than v3: it is QEMU virt's default and the Cortex-A15 board has the same one, so
//! the two share its driver.
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
mod tasks;
mod trap;

pub use board::{Board, BoardKernel, KernelOnBoard};
