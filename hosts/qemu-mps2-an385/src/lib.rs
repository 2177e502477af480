//! wells on QEMU `mps2-an385` (Cortex-M3): the board image library. It sets up the vector
//! table, the CMSDK UART console, SysTick and the PMSAv7 MPU (off with feature `no-mpu`), and hands a
//! [`Board`] to the application (`app_main`, defined by each binary), which runs the shared code
//! of `wells-board-common` on it.
//!
//! Board facts (QEMU 10 `mps2-an385`): 4 MiB SSRAM1 at 0 (the image), 4 MiB SSRAM2/3 at
//! 0x2000_0000 (RAM), fixed memory (QEMU refuses `-m` other than 16M), CMSDK UART0 at
//! 0x4000_4000, 25 MHz system clock feeding SysTick, 8-region PMSAv7 MPU, semihosting through
//! `bkpt 0xab`. Entered in privileged thread mode on MSP.
#![no_std]

extern crate alloc;

mod boot;
pub mod counter;
pub mod board;
mod clock;
mod panic;
pub mod semihosting;
pub mod tasks;
mod trap;
pub mod uart;

pub use board::{Board, BoardHost, BoardKernel, KernelOnBoard};
pub use wells_board_common as common;
