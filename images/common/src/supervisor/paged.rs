//! A task's memory on an MMU board: an address space of its own (sharing the kernel's entries),
//! its ELF segments mapped at [`USER_BASE`] up with their own rights, and 16 KiB stacks with
//! unmapped guard pages below [`USER_STACKS_TOP`] (the layout `user/apps` is linked for).

use super::loader;
pub use crate::supervisor::mmu::PAGE;
use crate::supervisor::mmu::{Access, Mmu};
use super::user_memory::{Region, UserMemory};
use super::{Entry, UserSpace};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::Error;

/// Lowest address of a task's image.
pub const USER_BASE: usize = 0x8000_0000;
/// Thread stacks grow down from here, one slot per thread.
pub const USER_STACKS_TOP: usize = 0xC000_0000;
/// User stack of one thread.
pub const USER_STACK_SIZE: usize = 16 * 1024;
/// Most threads one task may create over its life (stack slots are not reused).
const MAX_STACK_SLOTS: usize = 64;
/// Tasks get address-space IDs 1..=255 (both MMU ports use 8 bits of them), one per task.
const MAX_ASID: usize = 255;

/// One page of task memory.
#[repr(C, align(4096))]
pub struct Page(pub [u8; PAGE]);

/// A user mapping.
pub(super) const fn user(writable: bool, executable: bool) -> Access {
    Access { device: false, user: true, writable, executable }
}

/// A task's address space, the pages behind it and its regions.
pub struct PagedSpace<M: Mmu> {
    pub(super) space: M::Space,
    pub(super) pages: Vec<Box<Page>>,
    pub(super) memory: UserMemory,
    next_stack_slot: usize,
}

impl<M: Mmu> PagedSpace<M> {
    /// Maps `size` bytes of physical memory at `pa` at `va` in the task, readable, as device
    /// memory, outside the regions its system calls may name: for tests of memory the task's
    /// world must not reach (the secure world's, below the wells monitor).
    pub fn map_foreign_for_test(&mut self, va: usize, pa: usize, size: usize) {
        M::map(&mut self.space, va, pa, size, Access { device: true, user: true, writable: false, executable: false });
    }
}

impl<M: Mmu> UserSpace for PagedSpace<M> {
    /// An ELF image of `user/apps`.
    type Program = &'static [u8];
    type Mode = M::Mode;

    fn new(number: usize) -> Result<Self, String> {
        if number > MAX_ASID {
            return Err(String::from("out of address-space IDs"));
        }
        Ok(PagedSpace { space: M::task_space(number), pages: Vec::new(), memory: UserMemory::default(), next_stack_slot: 0 })
    }

    fn load(&mut self, elf: &'static [u8]) -> Result<Entry<M::Mode>, String> {
        loader::load(self, elf)
    }

    fn token(&self) -> usize {
        M::token(&self.space)
    }

    fn may_access(&self, start: usize, len: usize, write: bool) -> bool {
        self.memory.contains(start, len, write)
    }

    fn may_start_at(&self, mode: M::Mode, pc: usize) -> bool {
        (pc & 1 == 0 || M::thumb_entry(mode)) && self.memory.executable(pc & !1)
    }

    fn next_stack(&self) -> Result<usize, Error> {
        if self.next_stack_slot >= MAX_STACK_SLOTS {
            return Err(Error::Limit);
        }
        Ok(USER_STACKS_TOP - self.next_stack_slot * (USER_STACK_SIZE + PAGE))
    }

    /// Maps a fresh user stack (with an unmapped guard page below it); returns its top.
    fn add_stack(&mut self) -> Result<usize, Error> {
        let top = self.next_stack()?;
        self.next_stack_slot += 1;
        let bottom = top - USER_STACK_SIZE;
        for va in (bottom..top).step_by(PAGE) {
            let page = Box::new(Page([0; PAGE]));
            M::map(&mut self.space, va, page.0.as_ptr() as usize, PAGE, user(true, false));
            self.pages.push(page);
        }
        self.memory.add(Region { start: bottom, end: top, writable: true, executable: false });
        Ok(top)
    }

    fn ram(&self) -> usize {
        self.memory.first_writable().map_or(0, |r| r.start)
    }

    fn enter(mode: M::Mode, pc: usize, sp: usize, arg: usize) -> ! {
        M::enter(mode, pc, sp, arg)
    }
}
