//! Loads a guest image (ELF) into a VM's RAM: every loadable segment must lie inside the RAM
//! the VM was given, at the guest-physical address it was linked for.

use alloc::format;
use alloc::string::String;
use object::{Object, ObjectSegment};

/// Copies the segments of `image` into `ram`, the VM's RAM at guest address `ram_base` (the
/// caller has zeroed it); returns the entry point.
pub fn load(image: &[u8], ram: &mut [u8], ram_base: usize) -> Result<u64, String> {
    let file = object::File::parse(image).map_err(|e| format!("not an ELF image: {e}"))?;
    let ram_end = ram_base + ram.len();
    let bytes = ram;
    for segment in file.segments() {
        let start = segment.address() as usize;
        let size = segment.size() as usize;
        if size == 0 {
            continue;
        }
        let end = start.checked_add(size).ok_or("a segment wraps around")?;
        if start < ram_base || end > ram_end {
            return Err(format!("segment {start:#x}..{end:#x} is outside its RAM {ram_base:#x}..{ram_end:#x}"));
        }
        let data = segment.data().map_err(|e| format!("segment data: {e}"))?;
        let offset = start - ram_base;
        bytes[offset..offset + data.len().min(size)].copy_from_slice(&data[..data.len().min(size)]);
    }
    let entry = file.entry();
    if (entry as usize) < ram_base || entry as usize >= ram_end {
        return Err(format!("entry point {entry:#x} is outside its RAM"));
    }
    Ok(entry)
}
