//! What every standalone wells board image shares, written once against the [`Platform`] trait
//! each board implements (and [`tasks::TaskPlatform`] for boards with user tasks): the
//! in-kernel test suites, the benchmarks, the demo, the task registry and system-call
//! dispatcher, and the drivers of devices several boards have (GICv2, PL011, CMSDK UART).
//!
//! A board crate keeps what is its own: boot code, trap glue,
//! MMU/MPU set-up and its trait impls; its binaries are thin calls into this crate. Nothing here
//! knows a board address: those come from the board descriptions (`boards/`).
#![no_std]

extern crate alloc;

pub mod atomic64;
pub mod cmsdk_uart;
pub mod bench;
mod console;
pub mod demo;
pub mod gic;
pub mod heap;
pub mod kernel_map;
mod kernel_slot;
pub mod mmu;
pub mod pl011;
pub mod soak;
mod platform;
pub mod tasks;
pub mod vgic;
pub mod test;
pub mod timer_host;
pub mod vms;
mod user_programs;
pub mod vm_bench;
pub mod vm_demo;

pub use console::Console;
pub use kernel_slot::{KernelOnBoard, KernelSlot};
pub use platform::{irq_restore, irq_save, Platform};
