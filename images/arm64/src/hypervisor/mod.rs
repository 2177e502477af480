//! wells as a hypervisor at EL2: it establishes EL2 (dropping from EL3 first when QEMU entered
//! there), brings up the PL011 console, the GICv2 with its virtual interface and the EL2
//! physical timer (its own clock), and runs guests in VMs isolated by stage-2 translation
//! (`wells_board_common::vms`). The image wants `-m 1G`; guests see the board's own layout
//! (the description's `[guest]`).

pub mod board;
#[cfg(feature = "normal-world")]
mod below_monitor;
pub(crate) mod boot;
pub mod guests;
pub mod run;
#[cfg(feature = "smp")]
pub mod smp;
pub mod system;
mod trap;
mod vcpu;

pub use board::Board;
