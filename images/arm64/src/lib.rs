//! wells on QEMU `virt` (arm64): the image library, one crate for every level wells manages on
//! this CPU. Feature `supervisor` builds wells at EL1 with user tasks (`supervisor`), feature
//! `hypervisor` wells at EL2 with VMs (`hypervisor`), feature `monitor` wells at EL3 answering the
//! normal world's SMCs (`monitor`). They share the entry (`boot`: reset, boot stack, .bss, EL3's
//! GIC hand-over; the monitor's own reset entry parks other CPUs and copies .data from flash),
//! the exit and the panic report; each establishes its level, then hands a [`Board`] to the
//! application (`app_main`, defined by each binary in `src/bin/`, a line calling the level's
//! `run`).
//!
//! Board facts (addresses, interrupts, what guests see) come from `boards/qemu-virt.toml`
//! ([`facts`]). GICv2 rather than v3: it is QEMU virt's default and the Cortex-A15 has the same
//! one, so the two share its driver.
#![no_std]

extern crate alloc;

#[cfg(not(any(feature = "supervisor", feature = "hypervisor", feature = "monitor")))]
compile_error!("build the image with the feature of its level: `supervisor`, `hypervisor` or `monitor`");
#[cfg(any(
    all(feature = "supervisor", feature = "hypervisor"),
    all(feature = "supervisor", feature = "monitor"),
    all(feature = "hypervisor", feature = "monitor")
))]
compile_error!("an image manages one level: features `supervisor`, `hypervisor` and `monitor` exclude each other");

mod boot;
pub mod exit;
#[cfg(any(feature = "supervisor", all(feature = "hypervisor", feature = "smp")))]
mod firmware;
pub mod facts;
mod panic;

#[cfg(feature = "hypervisor")]
pub mod hypervisor;
#[cfg(feature = "monitor")]
pub mod monitor;
#[cfg(feature = "supervisor")]
pub mod supervisor;

#[cfg(feature = "hypervisor")]
use hypervisor as level;
#[cfg(feature = "supervisor")]
use supervisor as level;
#[cfg(feature = "monitor")]
use monitor as level;

pub use level::{run, Board};
pub use wells_core::arch::aarch64::semihosting;
