//! Loads a user program on an MPU board: a position-independent executable of `user/apps`
//! (32-bit Arm, `ET_DYN`, linked at 0 by `user/apps/user-mpu.ld`) is copied into the task's RAM
//! at wherever that lies and relocated there. Without an MMU every task of a program needs its
//! own copy at its own address, which is what the relocations make right.
//!
//! Every `PT_LOAD` segment is copied to the same offset from the load base as it has from 0,
//! its rest (bss) zeroed; then every entry of the `DT_REL` table, which must be `R_ARM_RELATIVE`,
//! gets the load base added to the word it names. Anything else — another class, byte order,
//! machine or file type, a segment or relocation beyond the room given, writable and
//! executable at once, another relocation type or table (`DT_RELA`, `DT_JMPREL`, `DT_RELR`), a
//! library it needs — is refused with an error naming it: bad input is an error, never a fault.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use object::elf::{self, FileHeader32};
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::LittleEndian;

/// `R_ARM_RELATIVE`: the word at the offset plus the load base.
const R_ARM_RELATIVE: u32 = 23;
/// Bytes of one `Elf32_Rel`.
const REL_SIZE: usize = 8;

/// A part of a loaded program, in bytes from its load base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub writable: bool,
    pub executable: bool,
}

/// A program loaded into its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The entry point, from the load base (bit 0 set: Thumb).
    pub entry: usize,
    /// Its `PT_LOAD` segments.
    pub segments: Vec<Segment>,
    /// Bytes from the load base to the end of its last segment.
    pub size: usize,
}

impl Loaded {
    /// The segment holding offset `at`.
    pub fn segment(&self, at: usize) -> Option<&Segment> {
        self.segments.iter().find(|s| s.start <= at && at < s.end)
    }
}

/// Loads `elf` into `room`, whose first byte is the load base; returns where its parts went.
/// On an error `room` may hold part of the program (the caller gives it back unused).
pub fn load(elf: &[u8], room: &mut [u8]) -> Result<Loaded, String> {
    let header = FileHeader32::<LittleEndian>::parse(elf).map_err(|e| format!("not a 32-bit little-endian ELF image: {e}"))?;
    let endian = header.endian().map_err(|e| format!("not a 32-bit little-endian ELF image: {e}"))?;
    if header.e_machine(endian) != elf::EM_ARM {
        return Err(format!("not an Arm program (e_machine {})", header.e_machine(endian).0));
    }
    if header.e_type(endian) != elf::ET_DYN {
        return Err(format!(
            "not position-independent (e_type {}, not ET_DYN): build it for an MPU target (user/README.md)",
            header.e_type(endian).0
        ));
    }
    let headers = header.program_headers(endian, elf).map_err(|e| format!("program headers: {e}"))?;
    let base = room.as_ptr() as usize;
    // Room for the base plus any offset in it: the checks below need no more than this.
    base.checked_add(room.len()).ok_or("room wraps around")?;
    room.fill(0);
    let mut segments = Vec::new();
    let mut dynamic = None;
    for ph in headers {
        let kind = ph.p_type(endian);
        if kind == elf::PT_INTERP || kind == elf::PT_TLS {
            return Err(format!("segment type {} (an interpreter or thread-local storage) is not supported", kind.0));
        }
        if kind == elf::PT_DYNAMIC {
            dynamic = ph.dynamic(endian, elf).map_err(|e| format!("dynamic segment: {e}"))?;
            continue;
        }
        if kind != elf::PT_LOAD || ph.p_memsz(endian) == 0 {
            continue;
        }
        let (start, file_size, size) = (ph.p_vaddr(endian) as usize, ph.p_filesz(endian) as usize, ph.p_memsz(endian) as usize);
        let end = start.checked_add(size).filter(|&end| end <= room.len());
        let Some(end) = end.filter(|_| file_size <= size) else {
            return Err(format!("segment at {start:#x} ({size:#x} bytes, {file_size:#x} in the file) does not fit the task's {:#x} bytes", room.len()));
        };
        let flags = ph.p_flags(endian).0;
        let (writable, executable) = (flags & elf::PF_W.0 != 0, flags & elf::PF_X.0 != 0);
        if writable && executable {
            return Err(format!("segment at {start:#x} is both writable and executable"));
        }
        let segment = Segment { start, end, writable, executable };
        if segments.iter().any(|s: &Segment| s.start < end && start < s.end) {
            return Err(format!("segment at {start:#x} overlaps another"));
        }
        let data = ph.data(endian, elf).map_err(|()| format!("segment at {start:#x}: its data lies outside the file"))?;
        room[start..start + data.len()].copy_from_slice(data);
        segments.push(segment);
    }
    let size = segments.iter().map(|s| s.end).max().ok_or("no loadable segment")?;
    let loaded = Loaded { entry: header.e_entry(endian) as usize, segments, size };
    if !loaded.segment(loaded.entry & !1).is_some_and(|s| s.executable) {
        return Err(format!("entry point {:#x} is not in an executable segment", loaded.entry));
    }
    relocate(&loaded, dynamic.unwrap_or(&[]), endian, room, base)?;
    Ok(loaded)
}

/// Applies the `DT_REL` table of `dynamic` (in the loaded copy) for load base `base`.
fn relocate(loaded: &Loaded, dynamic: &[elf::Dyn32<LittleEndian>], endian: LittleEndian, room: &mut [u8], base: usize) -> Result<(), String> {
    let (mut table, mut table_size, mut entry_size) = (None, 0, REL_SIZE);
    for entry in dynamic {
        let (tag, value) = (entry.d_tag(endian), entry.d_val(endian) as usize);
        match tag {
            elf::DT_NULL => break,
            elf::DT_REL => table = Some(value),
            elf::DT_RELSZ => table_size = value,
            elf::DT_RELENT => entry_size = value,
            elf::DT_RELA | elf::DT_JMPREL | elf::DT_RELR | elf::DT_NEEDED => {
                return Err(format!("dynamic entry {} (relocations with addends, PLT or RELR relocations, a library) is not supported", tag.0));
            }
            _ => {}
        }
    }
    let Some(table) = table else {
        return if table_size == 0 { Ok(()) } else { Err(String::from("DT_RELSZ without DT_REL")) };
    };
    if entry_size != REL_SIZE || !table_size.is_multiple_of(REL_SIZE) {
        return Err(format!("relocation entries of {entry_size} bytes, table of {table_size}: not Elf32_Rel"));
    }
    let end = table.checked_add(table_size).filter(|&end| end <= loaded.size);
    let Some(end) = end.filter(|_| loaded.segment(table).is_some()) else {
        return Err(format!("relocation table at {table:#x} ({table_size} bytes) is not in the program"));
    };
    // Read out first: a relocation may not rewrite the table it comes from.
    let entries: Vec<(usize, u32)> = room[table..end]
        .chunks_exact(REL_SIZE)
        .map(|rel| (word(rel, 0) as usize, word(rel, 4)))
        .collect();
    for (offset, info) in entries {
        if info != R_ARM_RELATIVE {
            return Err(format!("relocation at {offset:#x}: type {} symbol {}, only R_ARM_RELATIVE (23) without a symbol is supported", info & 0xff, info >> 8));
        }
        let in_segment = loaded.segment(offset).is_some_and(|s| offset.checked_add(4).is_some_and(|end| end <= s.end));
        if !in_segment {
            return Err(format!("relocation at {offset:#x} is outside the program's segments"));
        }
        let value = word(room, offset).wrapping_add(base as u32);
        room[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }
    Ok(())
}

/// The little-endian word at `at` of `bytes` (in range: the caller checked).
fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
