//! Partitions on the Cortex-M3 (feature `hypervisor`; issue 16's "AUX hypervisor", the C
//! original's `WITH_AUX_HYPER_MODE`): the privileged kernel hosts partitions, each running
//! unprivileged in its own MPU regions, each given a fixed window of a major frame by the system
//! description (`executive.rs`). The M3 has no virtualisation: a partition is para-virtualised —
//! it reaches time, its virtual timer and the console only through calls (`svc #0`, ABI in
//! `wells_core::arch::armv7m::partition`), and its virtual interrupts are delivered when it is
//! scheduled. Each partition runs an RTOS of its own: a wells kernel instance (`wells_os.rs`, its
//! heap in the partition's RAM, `split_heap.rs`), or the first slice's small RTOS (`mini_os.rs`).
//! docs/hypervisor.md, "Cortex-M3 partitions", has the whole picture.

pub mod executive;
pub mod mini_os;
pub mod programs;
pub mod run;
mod spec;
mod split_heap;
pub mod system;
pub mod wells_os;

pub use spec::{OnFault, PartitionSpec};
