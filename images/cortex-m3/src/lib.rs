//! wells on QEMU `mps2-an385` (Cortex-M3): the board image library. It sets up the vector
//! table, the CMSDK UART console, SysTick and the PMSAv7 MPU (off with feature `no-mpu`), and hands a
//! [`Board`] to the application (`app_main`, defined by each binary), which runs the shared code
//! of `wells-board-common` on it.
//!
//! Board facts (addresses) come from `boards/mps2-an385.toml` ([`facts`]). Besides: a 25 MHz
//! system clock feeding SysTick, an 8-region PMSAv7 MPU, semihosting through `bkpt 0xab`;
//! entered in privileged thread mode on MSP.
#![no_std]

extern crate alloc;

#[cfg(not(any(feature = "supervisor", feature = "minimal")))]
compile_error!("build the image with the feature of its level: `supervisor`, `hypervisor` (or `minimal`)");

mod boot;
pub mod counter;
pub mod board;
mod clock;
pub mod facts;
mod panic;
#[cfg(not(feature = "minimal"))]
pub mod tasks;
#[cfg(not(feature = "minimal"))]
mod trap;
#[cfg(feature = "minimal")]
pub mod minimal;
#[cfg(feature = "hypervisor")]
pub mod partitions;

pub use board::{Board, BoardHost, BoardKernel, KernelOnBoard};
pub use wells_board_common as common;
