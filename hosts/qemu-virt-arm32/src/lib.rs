//! wells on QEMU `virt` with a Cortex-A15 (ARMv7-A): the board image library. It establishes
//! SVC mode from whatever mode QEMU entered in (SVC, or HYP with `virtualization=on`), brings up
//! the PL011 console, the GICv2 and the PL1 virtual timer, and hands a [`Board`] to the
//! application (`app_main`, defined by each binary).
//!
//! Board facts (QEMU 10 `virt`, 32-bit): RAM at 0x4000_0000, PL011 at 0x0900_0000, GICv2
//! distributor at 0x0800_0000 and CPU interface at 0x0801_0000, virtual timer PPI = INTID 27.
//! `gic.rs` and `pl011.rs` are copies of the arm64 board's drivers (same devices, same
//! addresses), to be shared once factored out.
#![no_std]

extern crate alloc;

#[cfg(feature = "user")]
pub mod apps;
mod boot;
pub mod board;
pub mod gic;
pub mod memory;
mod panic;
pub mod tasks;
pub mod pl011;
pub mod semihosting;
pub mod trap;

pub use board::{kernel, Board, BoardHost, BoardKernel, KernelOnBoard};
