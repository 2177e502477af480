//! wells as a hypervisor in HYP mode (Cortex-A15 with the virtualization extensions, QEMU
//! `virt,virtualization=on`): it stays in HYP, brings up the PL011 console, the GICv2 with its
//! virtual interface and the HYP physical timer (its own clock), and runs guests in VMs isolated
//! by stage-2 translation (`wells_board_common::vms`). The image wants `-m 1G`; guests see the
//! board's own layout (the description's `[guest]`).

pub mod board;
pub(crate) mod boot;
pub mod guests;
pub mod run;
#[cfg(feature = "smp")]
pub mod smp;
pub mod system;
mod trap;
mod vcpu;

pub use board::Board;
