//! Programs that are none: garbled copies of a good ELF image (truncated, another machine, not
//! position-independent, a segment bigger than a task's RAM, a relocation of another type) must
//! be refused when the task is made, with an error naming why, and leave nothing behind; then
//! the good image still starts and runs.

use super::user::{expect_codes, start};
use super::{check, Test, TestResult};
use crate::supervisor::{TaskPlatform, UserSpace};
use alloc::format;
use alloc::string::String;
use core::cell::UnsafeCell;

/// Room for the garbled copy (a task's program must be `'static`).
const ROOM: usize = 32 * 1024;

struct Scratch(UnsafeCell<[u8; ROOM]>);

// SAFETY: only the test below touches it, one case at a time, on the kernel's single CPU.
unsafe impl Sync for Scratch {}

static SCRATCH: Scratch = Scratch(UnsafeCell::new([0; ROOM]));

/// One way to spoil an image, and words the refusal must contain.
struct Case {
    name: &'static str,
    spoil: fn(&mut [u8]) -> Result<usize, String>,
    says: &'static str,
}

const CASES: [Case; 5] = [
    Case { name: "truncated", spoil: |_| Ok(64), says: "program headers" },
    Case { name: "wrong-machine", spoil: |elf| set16(elf, 18, 183).map(|()| elf.len()), says: "not an Arm program" },
    Case { name: "not-pie", spoil: |elf| set16(elf, 16, 2).map(|()| elf.len()), says: "not position-independent" },
    Case { name: "huge-segment", spoil: huge_segment, says: "does not fit" },
    Case { name: "absolute-relocation", spoil: absolute_relocation, says: "only R_ARM_RELATIVE" },
];

/// The test, over `good` (a 32-bit position-independent ELF image with relocations).
pub fn test<P: TaskPlatform>(good: &'static [u8]) -> Test<P>
where
    P::Space: UserSpace<Program = &'static [u8]>,
{
    Test::new("user_bad_programs_are_refused", move |board: &P| bad_programs(board, good))
}

fn bad_programs<P: TaskPlatform>(board: &P, good: &'static [u8]) -> TestResult
where
    P::Space: UserSpace<Program = &'static [u8]>,
{
    let k = board.new_kernel();
    check(good.len() <= ROOM, || format!("the good image has {} bytes, room for {ROOM}", good.len()))?;
    for case in &CASES {
        let tasks = P::tasks().with(|tasks| tasks.len());
        let (objects, allocations) = (k.object_count(), board.heap_stats().allocations);
        let image = spoiled(good, case.spoil).map_err(|e| format!("{}: {e}", case.name))?;
        let refusal = match start::<P>(&k, case.name, image, 8, 0, &[]) {
            Ok(_) => return Err(format!("{}: a task started", case.name)),
            Err(refusal) => refusal,
        };
        crate::println!(P, "wells: refused: {refusal}");
        check(refusal.contains(case.says), || format!("{}: refused with \"{refusal}\", not for \"{}\"", case.name, case.says))?;
        drop(refusal);
        let after = (P::tasks().with(|tasks| tasks.len()), k.object_count(), board.heap_stats().allocations);
        check(after == (tasks, objects, allocations), || {
            format!("{}: (tasks, objects, allocations) {after:?} after the refusal, {:?} before", case.name, (tasks, objects, allocations))
        })?;
    }
    let task = start::<P>(&k, "hello", good, 8, 0, &[])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("hello", task, 0)])
}

/// A copy of `good` in [`SCRATCH`], spoilt by `spoil` (which returns how much of it to keep).
fn spoiled(good: &[u8], spoil: fn(&mut [u8]) -> Result<usize, String>) -> Result<&'static [u8], String> {
    // SAFETY: no task holds the former copy (a refused program is not kept, a started one is
    // copied into task RAM) and only this test, one case at a time, touches the room.
    let room = unsafe { &mut *SCRATCH.0.get() };
    let copy = &mut room[..good.len()];
    copy.copy_from_slice(good);
    let keep = spoil(copy)?.min(good.len());
    Ok(&room[..keep])
}

fn get32(elf: &[u8], at: usize) -> Result<u32, String> {
    let bytes = elf.get(at..at + 4).ok_or_else(|| format!("no word at {at:#x}"))?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn set32(elf: &mut [u8], at: usize, value: u32) -> Result<(), String> {
    elf.get_mut(at..at + 4).ok_or_else(|| format!("no word at {at:#x}"))?.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

fn set16(elf: &mut [u8], at: usize, value: u16) -> Result<(), String> {
    elf.get_mut(at..at + 2).ok_or_else(|| format!("no half-word at {at:#x}"))?.copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// The file offsets of the program headers (`Elf32_Phdr`, 32 bytes each).
fn program_headers(elf: &[u8]) -> Result<impl Iterator<Item = usize>, String> {
    let (offset, count) = (get32(elf, 28)? as usize, (get32(elf, 44)? & 0xffff) as usize);
    Ok((0..count).map(move |n| offset + n * 32))
}

/// The first `PT_LOAD` segment's size in memory: 256 MiB.
fn huge_segment(elf: &mut [u8]) -> Result<usize, String> {
    let first = program_headers(elf)?.find(|&ph| get32(elf, ph) == Ok(1)).ok_or("no PT_LOAD")?;
    set32(elf, first + 20, 0x1000_0000)?;
    Ok(elf.len())
}

/// The first relocation of the `DT_REL` table becomes `R_ARM_ABS32` (2) against symbol 0.
fn absolute_relocation(elf: &mut [u8]) -> Result<usize, String> {
    let headers: alloc::vec::Vec<usize> = program_headers(elf)?.collect();
    let dynamic = headers.iter().copied().find(|&ph| get32(elf, ph) == Ok(2)).ok_or("no PT_DYNAMIC")?;
    let (start, size) = (get32(elf, dynamic + 4)? as usize, get32(elf, dynamic + 16)? as usize);
    let table = (start..start + size)
        .step_by(8)
        .find(|&entry| get32(elf, entry) == Ok(17))
        .ok_or("no DT_REL")?;
    let address = get32(elf, table + 4)? as usize;
    // Its file offset, through the PT_LOAD segment that holds it.
    let offset = headers
        .iter()
        .filter(|&&ph| get32(elf, ph) == Ok(1))
        .find_map(|&ph| {
            let (offset, vaddr, file_size) = (get32(elf, ph + 4).ok()?, get32(elf, ph + 8).ok()?, get32(elf, ph + 16).ok()?);
            let within = (address as u32).checked_sub(vaddr).filter(|&d| d < file_size)?;
            Some((offset + within) as usize)
        })
        .ok_or("DT_REL is in no segment")?;
    set32(elf, offset + 4, 2)?;
    Ok(elf.len())
}
