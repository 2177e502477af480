//! What a task may touch: regions of its memory, and checked access to its buffers from
//! system calls.

use super::UserSpace;
use alloc::vec::Vec;
use core::cell::Cell;
use wells_core::Error;

/// A range of a task's virtual memory and what the task may do there.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    pub start: usize,
    pub end: usize,
    pub writable: bool,
    pub executable: bool,
}

/// The regions of one task.
#[derive(Default)]
pub struct UserMemory {
    regions: Vec<Region>,
    /// The region the last buffer checked was in, looked at first: a task's calls mostly pass
    /// buffers from the same region (its stack), which is often the last of the list
    /// (`cargo xtask bench`, arm64 IPC fast path 1842 -> 1800).
    last_hit: Cell<usize>,
}

impl UserMemory {
    pub fn add(&mut self, region: Region) {
        self.regions.push(region);
    }

    /// True when `[start, start + len)` lies inside one region allowing `write`.
    #[inline]
    pub fn contains(&self, start: usize, len: usize, write: bool) -> bool {
        let Some(end) = start.checked_add(len) else { return false };
        let holds = |r: &Region| r.start <= start && end <= r.end && (r.writable || !write);
        if self.regions.get(self.last_hit.get()).is_some_and(holds) {
            return true;
        }
        match self.regions.iter().position(holds) {
            Some(index) => {
                self.last_hit.set(index);
                true
            }
            None => false,
        }
    }

    /// True when `pc` is inside executable memory of the task.
    pub fn executable(&self, pc: usize) -> bool {
        self.regions.iter().any(|r| r.executable && r.start <= pc && pc < r.end)
    }

    /// The first writable region.
    pub fn first_writable(&self) -> Option<&Region> {
        self.regions.iter().find(|r| r.writable)
    }
}

/// A buffer the task handed in for reading, checked against its memory.
///
/// The returned slice aliases user memory that the task's own threads may change at the same
/// time; the kernel only copies bytes out of it, so a torn value is the task's own problem.
pub fn readable<'a>(space: &impl UserSpace, ptr: usize, len: usize) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr == 0 || !space.may_access(ptr, len, false) {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: the range lies inside memory the task may read in the current address space (the
    // caller's, active during its system call); task memory is never taken away while the task
    // lives, and bytes have no invalid values.
    Ok(unsafe { core::slice::from_raw_parts(ptr as *const u8, len) })
}

/// A buffer the task handed in for the kernel to fill, checked against its memory.
pub fn writable<'a>(space: &impl UserSpace, ptr: usize, len: usize) -> Result<&'a mut [u8], Error> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr == 0 || !space.may_access(ptr, len, true) {
        return Err(Error::InvalidArgument);
    }
    // SAFETY: as for `readable`, in memory the task may write.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr as *mut u8, len) })
}
