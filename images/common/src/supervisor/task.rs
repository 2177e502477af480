//! One user task: its memory, its private handle table, what it created and what it was granted.

use super::{TaskPlatform, UserSpace};
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::domain::DomainId;
use wells_core::{Error, Handle};

/// A user task of board `P`.
pub struct Task<P: TaskPlatform> {
    pub name: String,
    pub domain: DomainId,
    pub max_priority: u8,
    pub space: P::Space,
    /// How its threads enter user mode.
    pub mode: <P::Space as UserSpace>::Mode,
    /// The task's handles: user handle `n` is `handles[n]`.
    handles: Vec<Option<Handle>>,
    /// Objects the task created: destroyed when it is stopped.
    pub created: Vec<Handle>,
    /// Objects granted by name (ports, shared objects, transactions).
    grants: Vec<(String, Handle)>,
    /// It may read telemetry and load and clear the decision set (system calls 28-30).
    pub scheduling_advisor: bool,
}

impl<P: TaskPlatform> Task<P> {
    pub(crate) fn new(
        name: &str,
        domain: DomainId,
        max_priority: u8,
        space: P::Space,
        mode: <P::Space as UserSpace>::Mode,
        grants: &[(&str, Handle)],
    ) -> Self {
        Task {
            name: String::from(name),
            domain,
            max_priority,
            space,
            mode,
            // Each grant is opened once: a sealed kernel's tasks then never grow the table.
            handles: Vec::with_capacity(grants.len()),
            created: Vec::new(),
            grants: grants.iter().map(|&(n, h)| (String::from(n), h)).collect(),
            scheduling_advisor: false,
        }
    }

    /// Adds a kernel object to the task's handle table; returns the user handle. With `sealed`
    /// (the kernel allocates no more) the table may not grow past its room: `Sealed`.
    pub fn add_handle(&mut self, handle: Handle, sealed: bool) -> Result<usize, Error> {
        self.handle_room(sealed)?;
        if let Some(free) = self.handles.iter().position(Option::is_none) {
            self.handles[free] = Some(handle);
            return Ok(free);
        }
        self.handles.push(Some(handle));
        Ok(self.handles.len() - 1)
    }

    /// What [`Task::add_handle`] would say about room for one more handle, changing nothing:
    /// a call checks it before it makes the object the handle is for.
    pub fn handle_room(&self, sealed: bool) -> Result<(), Error> {
        if self.handles.iter().any(Option::is_none) {
            return Ok(());
        }
        if self.handles.len() >= P::MAX_HANDLES {
            return Err(Error::Limit);
        }
        if sealed && self.handles.len() == self.handles.capacity() {
            return Err(Error::Sealed);
        }
        Ok(())
    }

    /// Handles the task holds now.
    pub fn handle_count(&self) -> usize {
        self.handles.iter().filter(|h| h.is_some()).count()
    }

    /// The kernel object behind a user handle.
    pub fn handle(&self, user: usize) -> Result<Handle, Error> {
        self.handles.get(user).copied().flatten().ok_or(Error::InvalidHandle)
    }

    /// Drops a user handle (after join).
    pub fn forget_handle(&mut self, user: usize) {
        if let Some(slot) = self.handles.get_mut(user) {
            *slot = None;
        }
    }

    /// An object granted to the task by name.
    pub fn granted(&self, name: &[u8]) -> Option<Handle> {
        self.grants.iter().find(|(n, _)| n.as_bytes() == name).map(|&(_, h)| h)
    }
}
