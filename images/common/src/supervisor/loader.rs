//! Loads a user program (an ELF image embedded in the kernel) into a task's address space.

use crate::supervisor::mmu::Mmu;
use super::paged::{user, Page, PagedSpace, PAGE, USER_BASE, USER_STACKS_TOP};
use super::user_memory::Region;
use super::{Entry, UserSpace};
use alloc::boxed::Box;
use alloc::string::String;
use object::{Object, ObjectSegment, SegmentFlags};

const PF_X: u32 = 1;
const PF_W: u32 = 2;

/// Maps every `PT_LOAD` segment of `elf` into `task` with its own rights, copying it into fresh
/// pages, and records the regions. Refuses images the CPU cannot run or that reach outside the
/// user image range.
pub fn load<M: Mmu>(task: &mut PagedSpace<M>, elf: &[u8]) -> Result<Entry<M::Mode>, String> {
    let file = object::File::parse(elf).map_err(|e| alloc::format!("not an ELF image: {e}"))?;
    let entry = file.entry() as usize;
    let mode = M::mode(file.architecture(), file.is_64(), entry)?;
    for segment in file.segments() {
        let start = segment.address() as usize;
        let size = segment.size() as usize;
        if size == 0 {
            continue;
        }
        let flags = match segment.flags() {
            SegmentFlags::Elf { p_flags, .. } => p_flags.0,
            _ => 0,
        };
        let end = start.checked_add(size).ok_or("segment wraps around")?;
        if start < USER_BASE || end > USER_STACKS_TOP || !start.is_multiple_of(PAGE) {
            return Err(alloc::format!("segment {start:#x}..{end:#x} outside the user range or not page aligned"));
        }
        let data = segment.data().map_err(|e| alloc::format!("segment data: {e}"))?;
        let writable = flags & PF_W != 0;
        let executable = flags & PF_X != 0;
        if writable && executable {
            return Err(alloc::format!("segment {start:#x} is both writable and executable"));
        }
        for offset in (0..size).step_by(PAGE) {
            let mut page = Box::new(Page([0; PAGE]));
            if offset < data.len() {
                let chunk = &data[offset..data.len().min(offset + PAGE)];
                page.0[..chunk.len()].copy_from_slice(chunk);
            }
            M::map(&mut task.space, start + offset, page.0.as_ptr() as usize, PAGE, user(writable, executable));
            task.pages.push(page);
        }
        task.memory.add(Region { start, end: start + size.div_ceil(PAGE) * PAGE, writable, executable });
    }
    if !task.may_start_at(mode, entry) {
        return Err(alloc::format!("entry point {entry:#x} is not in executable memory (or odd on A64)"));
    }
    Ok(Entry { pc: entry, mode })
}
