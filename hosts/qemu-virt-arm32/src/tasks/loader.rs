//! Loads a user program (an ELF image embedded in the kernel) into a task's address space.

use super::user_memory::{Region, UserMemory};
use super::{Page, USER_BASE, USER_STACKS_TOP};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use object::{Architecture, Object, ObjectSegment, SegmentFlags};
use wells_core::arch::arm::mmu::{Access, AddressSpace, Memory, PAGE};

const PF_X: u32 = 1;
const PF_W: u32 = 2;

/// What loading produced.
pub struct Loaded {
    /// Entry point; bit 0 set for T32 code.
    pub entry: usize,
}

/// Maps every `PT_LOAD` segment of `elf` into `space` with its own rights, copying it into
/// fresh pages (kept in `pages`), and records the regions. Refuses images that are not
/// 32-bit Arm executables or that reach outside the user image range.
pub fn load(elf: &[u8], space: &mut AddressSpace, memory: &mut UserMemory, pages: &mut Vec<Box<Page>>) -> Result<Loaded, String> {
    let file = object::File::parse(elf).map_err(|e| alloc::format!("not an ELF image: {e}"))?;
    let entry = file.entry() as usize;
    match (file.architecture(), file.is_64()) {
        (Architecture::Arm, false) => {}
        (arch, _) => return Err(alloc::format!("unsupported architecture {arch:?} (32-bit Arm only)")),
    }
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
        let access = Access { kind: Memory::Normal, user: true, writable, executable };
        for offset in (0..size).step_by(PAGE) {
            let mut page = Box::new(Page([0; PAGE]));
            if offset < data.len() {
                let chunk = &data[offset..data.len().min(offset + PAGE)];
                page.0[..chunk.len()].copy_from_slice(chunk);
            }
            space.map_page(start + offset, page.0.as_ptr() as usize, access);
            pages.push(page);
        }
        memory.add(Region { start, end: start + size.div_ceil(PAGE) * PAGE, writable, executable });
    }
    if !memory.executable(entry & !1) {
        return Err(alloc::format!("entry point {entry:#x} is not in executable memory"));
    }
    Ok(Loaded { entry })
}
