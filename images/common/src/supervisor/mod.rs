//! The supervisor level: user tasks, each a domain of the kernel running its threads
//! unprivileged, with memory of its own (an MMU address space, or MPU regions), a private handle
//! table and the objects granted to it by name. What differs per CPU is behind [`UserSpace`]
//! (memory, entering user mode), [`mmu::Mmu`] (MMU boards' translation), [`mpu_loader`] and [`slot_space`] (MPU
//! boards' position-independent programs and their slots of task RAM) and
//! [`syscalls::CallRegisters`] (where a call's number, arguments and results are).

pub mod audit;
pub mod kernel_map;
mod lifecycle;
mod loader;
pub mod mmu;
pub mod mpu_loader;
pub mod paged;
mod registry;
pub mod slot_space;
pub mod syscalls;
pub mod system;
mod task;
mod user_memory;
mod user_space;
mod user_programs;

pub use lifecycle::{create_thread, destroy_object, exit_current, spawn, spawn_pinned, stop_current, Started, TaskSpec};
pub use registry::Tasks;
pub use task::Task;
pub use user_memory::{readable, writable};
pub use user_space::{Entry, UserSpace};

use crate::Platform;

/// A board with user tasks.
pub trait TaskPlatform: Platform {
    /// A task's memory on this board.
    type Space: UserSpace;
    /// Kernel stack of a user thread (its system calls and traps run there).
    const KERNEL_STACK: usize = 16 * 1024;
    /// Most handles one task may hold.
    const MAX_HANDLES: usize = 1024;
    /// Most bytes one `console_write` call takes.
    const CONSOLE_MAX: usize = 4096;
    /// False where the board's tasks have no shared-object and transaction calls (21..=26 are
    /// then unknown calls).
    const TRANSACTIONS: bool = true;

    /// The board's task registry.
    fn tasks() -> &'static Tasks<Self>;
    /// Kernel heap use (what [`audit`] compares around a failed call).
    fn heap() -> wells_core::mem::HeapStats;
    /// System call 33 (`secure_call`): an SMC to the monitor above with x0 = `function`, x1 and
    /// x2 = `args`; the answer's x0..x3. `BadState` where the board has no monitor above it.
    fn secure_call(_function: u32, _args: [u64; 2]) -> Result<[u64; 4], wells_core::Error> {
        Err(wells_core::Error::BadState)
    }
}

/// What a task of board `P` starts from.
pub type Program<P> = <<P as TaskPlatform>::Space as UserSpace>::Program;
