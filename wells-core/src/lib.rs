//! wells-core: one kernel core meant for every level wells manages. Today it runs as a
//! supervisor (user tasks on arm64, Cortex-A15, Cortex-R52 and Cortex-M3), as a hypervisor
//! (VMs at arm64 EL2 and Cortex-A15 HYP), as the arm64 EL3 monitor (SMC and PSCI for the normal
//! world: `arch::monitor`, `arch::aarch64::el3`) and inside another OS through the C library (a
//! Linux process, a Linux kernel module). Still to come: the monitor's secure world, task groups
//! as an administrator's domains, the Arm builds of the library and the AUTOSAR OS API on it.
//!
//! Design principles, in the order they win when they conflict:
//! 1. **Every outside input gets a defined answer.** Public calls return `Result<_, Error>`;
//!    objects are reached through generation-checked [`Handle`]s, never raw pointers.
//! 2. **Simple, bounded algorithms.** O(1) thread selection (bitmap of run queues), a
//!    deadline-ordered timeline, wait queues ordered by priority; no unbounded loops in the tick.
//! 3. **No board or OS knowledge.** The CPU is reached through [`Arch`], the environment wells
//!    joins (or the board it establishes) through [`Host`]. `unsafe` lives in `arch/` (context
//!    switch, thread bootstrap) and `mem/heap.rs` (the allocator), each block with a `SAFETY:` line.
//! 4. **No hidden globals.** A [`Kernel`] is a value; several can exist side by side (the C
//!    library holds one, host tests create one per test).
//! 5. **Static when asked.** A kernel reserved from declared bounds and then sealed
//!    (`kernel/sealing.rs`) makes no heap allocation at all after start-up; what would have to
//!    allocate answers `Error::Sealed` or `Error::Limit` instead.
#![cfg_attr(not(test), no_std)]
// `unsafe` only where the CPU or the allocator needs it: `arch/` and `mem/`.
#![deny(unsafe_code)]

extern crate alloc;

#[allow(unsafe_code)]
pub mod arch;
pub mod domain;
pub mod error;
pub mod handle;
pub mod host;
pub mod ipc;
pub mod kernel;
#[allow(unsafe_code)]
pub mod mem;
pub mod sched;
pub mod sync;
pub mod telemetry;
pub mod thread;
pub mod time;
pub mod txn;
pub mod wait;

pub use arch::Arch;
pub use error::{Error, Result};
pub use handle::{Handle, Kind};
pub use host::Host;
pub use kernel::Kernel;
pub use thread::{ThreadState, ThreadStats};
pub use time::Timeout;
