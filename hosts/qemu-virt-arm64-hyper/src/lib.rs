//! wells as a hypervisor on QEMU `virt` (arm64): the board image library. It establishes EL2
//! (dropping from EL3 first when QEMU entered there), brings up the PL011 console, the GICv2
//! and the EL2 physical timer (the hypervisor's own clock), and hands a [`Board`] to the
//! application (`app_main`), which starts VMs with `wells_board_common::vms`.
//!
//! Board facts (QEMU 10 `virt,virtualization=on`): RAM at 0x4000_0000 (this image wants
//! `-m 1G`), PL011 at 0x0900_0000, GICv2 distributor at 0x0800_0000 and CPU interface at
//! 0x0801_0000, EL2 physical timer PPI = INTID 26. Guests see the same layout through stage 2:
//! RAM at 0x4000_0000 and an emulated PL011 at 0x0900_0000.
#![no_std]

extern crate alloc;

pub mod board;
mod boot;
pub mod guests;
mod panic;
mod trap;
mod vcpu;

pub use board::Board;
pub use wells_core::arch::aarch64::semihosting;
