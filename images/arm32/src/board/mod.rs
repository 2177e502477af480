//! The devices of the board the image is built for (feature `qemu-virt` or `mps3-an536`): the
//! console, the interrupt controller, what must happen in the entry mode, and how a run ends
//! (`exit`: the board's firmware or the CPU's semihosting).

#[cfg(feature = "mps3-an536")]
mod gicv3;
#[cfg(feature = "mps3-an536")]
mod mps3_an536;
#[cfg(feature = "qemu-virt")]
mod qemu_virt;

#[cfg(feature = "mps3-an536")]
pub(crate) use mps3_an536::*;
#[cfg(feature = "qemu-virt")]
pub(crate) use qemu_virt::*;
