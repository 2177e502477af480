//! wells on QEMU `mps3-an536` (Cortex-R52, ARMv8-R AArch32): the board image library. Entered at
//! EL2 (HYP), it establishes EL2 minimally and drops to EL1 (SVC) with the A-profile AArch32
//! code of `wells_core::arch::arm`, turns on the EL1 MPU (PMSAv8-32, `memory.rs`), brings up the
//! CMSDK UART console, the GICv3 and the EL1 virtual timer, and hands a [`Board`] to the
//! application (`app_main`, defined by each binary), which runs the shared code of
//! `wells-board-common` on it.
//!
//! Board facts (addresses, interrupts) come from `boards/mps3-an536.toml` ([`facts`]).
#![no_std]

extern crate alloc;

mod boot;
pub mod counter;
pub mod board;
pub mod facts;
mod gic;
mod memory;
#[path = "../../qemu-virt-arm32/src/panic.rs"]
mod panic;
pub use wells_core::arch::arm::semihosting;
/// How a run ends (the shared panic handler calls it): always semihosting on this board.
mod exit {
    pub use crate::semihosting::exit;
}
pub mod tasks;
mod trap;
/// Exception classes used in stopped tasks' exit codes.
pub use trap::class as trap_class;

pub use board::{Board, BoardKernel, KernelOnBoard};
