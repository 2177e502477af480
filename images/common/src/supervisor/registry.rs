//! The board's record of its tasks.

use super::{Task, TaskPlatform, UserSpace};
use alloc::vec::Vec;
use wells_core::domain::DomainId;
use wells_core::{Arch, Error};

/// The tasks of the kernel of the moment; each board with tasks has one, in a static.
pub struct Tasks<P: TaskPlatform>(spin::Mutex<Vec<Task<P>>>);

impl<P: TaskPlatform> Tasks<P> {
    pub const fn new() -> Self {
        Tasks(spin::Mutex::new(Vec::new()))
    }

    /// Runs `f` on the registry with interrupts masked (a timer interrupt must not switch to a
    /// thread that wants the registry while this one holds it).
    pub fn with<R>(&self, f: impl FnOnce(&mut Vec<Task<P>>) -> R) -> R {
        let were_enabled = P::cpu().irq_save();
        let r = f(&mut self.0.lock());
        P::cpu().irq_restore(were_enabled);
        r
    }

    /// Runs `f` on the task of `domain`.
    pub fn with_task<R>(&self, domain: DomainId, f: impl FnOnce(&mut Task<P>) -> Result<R, Error>) -> Result<R, Error> {
        self.with(|tasks| match tasks.iter_mut().find(|t| t.domain == domain) {
            Some(task) => f(task),
            None => Err(Error::BadContext),
        })
    }

    /// Forgets every task (their memory and tables are freed): the kernel they ran on is gone.
    pub fn clear(&self) {
        let tasks = self.with(|tasks| {
            P::Space::clear_all();
            core::mem::take(tasks)
        });
        drop(tasks);
    }
}

impl<P: TaskPlatform> Default for Tasks<P> {
    fn default() -> Self {
        Self::new()
    }
}
