//! wells as a partitioning hypervisor at EL2 on the Cortex-R52 (QEMU `mps3-an536`, which enters
//! at EL2): it stays in HYP mode and runs guests at EL1 as partitions, each fenced by the EL2 MPU
//! (`wells_core::arch::armv8r::el2`), each given a fixed time window in a major frame by the
//! system description (`executive.rs`), its console lines prefixed with its name (`vuart.rs`).
//! No MMU, no address translation: a guest runs at the physical addresses of its partition, so
//! guests are position-independent executables the hypervisor copies into each partition's RAM
//! and relocates (`images/bare-guest` built for `armv8r-none-eabihf`). docs/hypervisor.md,
//! "Cortex-R52", says what a partition sees.

pub mod board;
pub(crate) mod boot;
mod elf;
mod executive;
pub mod guests;
mod hypercalls;
mod layout;
pub mod run;
mod spec;
pub mod system;
mod trap;
mod vgic;
mod vuart;

pub use board::Board;
pub use spec::{OnFault, PartitionSpec};
