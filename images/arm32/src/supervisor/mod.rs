//! wells as a supervisor in SVC mode (EL1): it establishes SVC from whatever mode it was entered
//! in (HYP on the Cortex-R52 and with `virtualization=on`), brings up the console, the MMU
//! (Cortex-A15) or the EL1 MPU (Cortex-R52), the interrupt controller and the virtual timer,
//! and runs user tasks in USR mode (EL0).

#[cfg(any(all(feature = "qemu-virt", feature = "user"), feature = "mps3-an536"))]
pub mod apps;
pub mod board;
pub(crate) mod boot;
#[cfg(feature = "qemu-virt")]
#[path = "mmu.rs"]
pub mod protection;
#[cfg(feature = "mps3-an536")]
#[path = "mpu.rs"]
pub mod protection;
#[cfg(feature = "mps3-an536")]
mod mpu_space;
pub mod run;
#[cfg(feature = "qemu-virt")]
pub mod smp;
#[cfg(any(all(feature = "qemu-virt", feature = "user"), feature = "mps3-an536"))]
pub mod system;
mod tasks;
pub mod trap;

pub use board::{Board, BoardKernel, KernelOnBoard};
