//! What every standalone wells image shares, written once against the [`Platform`] trait each
//! image implements. By level: [`supervisor`] (user tasks: registry, memory, system calls,
//! the ELF loader; [`supervisor::TaskPlatform`]), [`hypervisor`] (VMs: registry, stage 2,
//! hypercalls, exits, the virtual GIC; [`hypervisor::VmPlatform`]) and [`monitor`] (EL3: the SMC
//! service, and the normal world's test of it). For every level: the in-kernel test suites, the
//! benchmarks, the demo, and the drivers of devices several boards have (GICv2, PL011, PL061,
//! CMSDK UART).
//!
//! An image crate keeps what is its own: boot code, trap glue, MMU/MPU set-up and its trait
//! impls; its binaries are thin calls into this crate. Nothing here knows a board address: those
//! come from the board descriptions (`boards/`).
#![no_std]

extern crate alloc;

pub mod atomic64;
pub mod device_tree;
pub mod cmsdk_uart;
pub mod bench;
mod console;
pub mod demo;
pub mod gic;
pub mod heap;
pub mod hypervisor;
mod kernel_slot;
pub mod monitor;
pub mod on_fault;
pub mod pl011;
pub mod pl061;
pub mod profile;
mod platform;
pub mod supervisor;
#[cfg(target_has_atomic = "64")]
pub mod smp_bring_up;
#[cfg(target_has_atomic = "64")]
pub mod smp_kernel;
#[cfg(target_has_atomic = "64")]
pub mod smp_stress;
pub mod system;
pub mod test;
pub mod timer_host;
pub mod trace;
pub mod window_lateness;

pub use console::Console;
pub use kernel_slot::{KernelOnBoard, KernelSlot};
pub use platform::{irq_restore, irq_save, Platform};
