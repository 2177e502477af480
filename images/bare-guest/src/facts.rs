//! The layout this guest sees, generated from `boards/qemu-virt.toml` (its `GUEST_*` entries);
//! on the Cortex-R52 from `boards/mps3-an536.toml` (`r52` below).
#![allow(dead_code)]
include!(concat!(env!("OUT_DIR"), "/facts.rs"));

#[cfg(wells_r52)]
mod r52 {
    /// A partition's console: the board's CMSDK UART0, which the hypervisor emulates per partition.
    pub const GUEST_CONSOLE: usize = super::CONSOLE_BASE;
    /// The GIC distributor (emulated per partition).
    pub const GUEST_GIC_DISTRIBUTOR: usize = super::GIC_DISTRIBUTOR_BASE;
    /// Not known at build time: the guest is position-independent and runs wherever its partition's
    /// RAM is. The scenarios that need a fixed RAM address are not offered on the R52
    /// (`Scenario::from`); these keep the code they share compiling.
    pub const GUEST_RAM: usize = 0;
    pub const GUEST_IMAGE: usize = 0;
    pub const GUEST_GIC_CPU: usize = 0;
}
#[cfg(wells_r52)]
pub use r52::*;
