//! wells on 32-bit Arm A and R profiles: the image library, one crate for the CPU family, the
//! board and the level chosen by features. Boards: QEMU `virt` with a Cortex-A15 (`qemu-virt`:
//! MMU, GICv2, PL011) and QEMU `mps3-an536` with a Cortex-R52 (`mps3-an536`: MPU, GICv3, CMSDK
//! UART); their devices are in `board/`, their addresses in `boards/*.toml` ([`facts`]). Levels:
//! `supervisor` (SVC mode, user tasks in USR mode) and `hypervisor` (HYP mode: VMs on `virt`,
//! partitions fenced by the EL2 MPU on the Cortex-R52, `partitions`).
//! Every image shares the entry (`boot`), the exit and the panic report; each level establishes
//! itself, then hands a [`Board`] to the application (`app_main`, defined by each binary in
//! `src/bin/`, a line calling the level's `run`).
#![no_std]

extern crate alloc;

#[cfg(not(any(feature = "qemu-virt", feature = "mps3-an536")))]
compile_error!("build the image with the feature of its board: `qemu-virt` or `mps3-an536`");
#[cfg(all(feature = "qemu-virt", feature = "mps3-an536"))]
compile_error!("an image runs on one board: features `qemu-virt` and `mps3-an536` exclude each other");
#[cfg(not(any(feature = "supervisor", feature = "hypervisor")))]
compile_error!("build the image with the feature of its level: `supervisor` or `hypervisor`");
#[cfg(all(feature = "supervisor", feature = "hypervisor"))]
compile_error!("an image manages one level: features `supervisor` and `hypervisor` exclude each other");

mod board;
mod boot;
pub mod facts;
#[cfg(all(feature = "qemu-virt", any(feature = "supervisor", feature = "smp")))]
mod firmware;
mod panic;

#[cfg(all(feature = "hypervisor", feature = "qemu-virt"))]
pub mod hypervisor;
#[cfg(all(feature = "hypervisor", feature = "mps3-an536"))]
pub mod partitions;
#[cfg(feature = "supervisor")]
pub mod supervisor;

#[cfg(all(feature = "hypervisor", feature = "qemu-virt"))]
use hypervisor as level;
#[cfg(all(feature = "hypervisor", feature = "mps3-an536"))]
use partitions as level;
#[cfg(feature = "supervisor")]
use supervisor as level;

pub use level::{run, Board};
pub use wells_core::arch::arm::semihosting;
