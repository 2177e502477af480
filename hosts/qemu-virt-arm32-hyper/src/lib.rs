//! wells as a hypervisor on QEMU `virt` with a Cortex-A15 (ARMv7-A, virtualization
//! extensions): the board image library. QEMU enters it in HYP mode (`virtualization=on`);
//! it stays there, brings up the PL011 console, the GICv2 and the HYP physical timer (the
//! hypervisor's own clock), and hands a [`Board`] to the application (`app_main`), which starts
//! VMs with `wells_board_common::vms`.
//!
//! Board facts: those of the arm64 hypervisor (`hosts/qemu-virt-arm64-hyper`) — QEMU `virt`
//! has one memory map — with `-m 1G`: RAM at 0x4000_0000, PL011 at 0x0900_0000, GICv2 at
//! 0x0800_0000 / 0x0801_0000, GICH at 0x0803_0000, GICV at 0x0804_0000, HYP timer PPI 26,
//! virtual timer PPI 27. Guests see RAM at 0x4000_0000, an emulated PL011 and distributor, and
//! GICV as their CPU interface.
#![no_std]

extern crate alloc;

pub mod board;
mod boot;
pub mod guests;
mod panic;
pub use wells_core::arch::arm::semihosting;
mod trap;
mod vcpu;

pub use board::Board;
