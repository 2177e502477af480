//! wells as a supervisor at EL1: it drops from whatever level QEMU entered at, brings up the
//! PL011 console, the MMU, the GICv2 and the EL1 virtual timer, and runs user tasks at EL0
//! (AArch64, and AArch32 with feature `user32`) in their own address spaces.

#[cfg(feature = "user")]
pub mod apps;
pub mod board;
pub(crate) mod boot;
#[cfg(feature = "full-stack-guest")]
mod full_stack_guest;
mod memory;
pub mod run;
pub mod smp;
#[cfg(feature = "smp")]
mod smp_remote;
#[cfg(any(feature = "user32", feature = "secure-world"))]
pub mod system;
mod tasks;
mod trap;

pub use board::{Board, BoardKernel, KernelOnBoard};
