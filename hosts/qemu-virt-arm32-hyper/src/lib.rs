//! wells as a hypervisor on QEMU `virt` with a Cortex-A15 (ARMv7-A, virtualization
//! extensions): the board image library. QEMU enters it in HYP mode (`virtualization=on`);
//! it stays there, brings up the PL011 console, the GICv2 and the HYP physical timer (the
//! hypervisor's own clock), and hands a [`Board`] to the application (`app_main`), which starts
//! VMs with `wells_board_common::vms`.
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
pub use wells_core::arch::arm::semihosting;
mod trap;
mod vcpu;

pub use board::Board;
