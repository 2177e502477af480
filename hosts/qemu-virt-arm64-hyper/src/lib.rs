//! wells as a hypervisor on QEMU `virt` (arm64): the board image library. It establishes EL2
//! (dropping from EL3 first when QEMU entered there), brings up the PL011 console, the GICv2
//! and the EL2 physical timer (the hypervisor's own clock), and hands a [`Board`] to the
//! application (`app_main`), which starts VMs with `wells_board_common::vms`.
//!
//! Board facts (addresses, interrupts, what guests see) come from `boards/qemu-virt.toml`
//! ([`facts`]); the image wants `-m 1G`. Guests see the board's own layout through stage 2.
#![no_std]

extern crate alloc;

pub mod board;
mod boot;
pub mod facts;
pub mod guests;
mod panic;
mod trap;
mod vcpu;

pub use board::Board;
pub use wells_core::arch::aarch64::semihosting;
