//! Threads of this task: a thin layer over `thread_create` / `thread_join`.

use crate::calls::{thread_create, thread_join, Handle};
use crate::error::Error;

/// A thread started by [`spawn`].
#[derive(Clone, Copy, Debug)]
pub struct Thread(Handle);

/// Starts `entry(arg)` at `priority` on its own stack (16 KiB with a guard page below on the
/// MMU boards; 4 KiB of the task's slot, without a guard, on the Cortex-M3 and Cortex-R52). `entry` must end with [`exit`](crate::exit): returning is undefined.
pub fn spawn(entry: extern "C" fn(usize) -> !, arg: usize, priority: u32) -> Result<Thread, Error> {
    thread_create(entry, arg, priority).map(Thread)
}

impl Thread {
    /// The thread's handle.
    pub fn handle(self) -> Handle {
        self.0
    }

    /// Waits at most `timeout` ms for the thread to end; returns its exit code.
    pub fn join(self, timeout: u32) -> Result<i32, Error> {
        thread_join(self.0, timeout)
    }
}
