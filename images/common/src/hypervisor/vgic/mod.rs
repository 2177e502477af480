//! The GICv2 virtualization extension, for hypervisor boards (arm64 and Cortex-A15 `virt`):
//! the per-vCPU virtual CPU interface behind GICH list registers ([`cpu`]), and the
//! distributor each VM sees, trapped and emulated ([`distributor`]). A guest drives the
//! hardware virtual CPU interface (GICV, mapped by stage 2 where its GICC is expected) directly.

pub mod cpu;
pub mod distributor;

pub use cpu::{Gich, VgicCpu};
pub use distributor::{Sgi, VirtualDistributor, MAX_VCPUS};
