//! Stage-2 translation tables in the long-descriptor (LPAE) format, which AArch64 EL2 and
//! ARMv7 HYP share: a VM's intermediate physical addresses (what the guest thinks is physical)
//! to real physical addresses, with the VM's rights. 4 KiB granule, lookup from level 1 (one
//! 4 KiB root table), 2 MiB blocks where a range allows, 4 KiB pages elsewhere. Anything not
//! mapped faults to the hypervisor: that is how it sees a guest touch memory outside its grant,
//! or a device page it emulates. Plain data: the CPU ports load the tables and flush TLBs.

use alloc::boxed::Box;
use alloc::vec::Vec;

const ENTRIES: usize = 512;
const PAGE: usize = 4096;
const BLOCK: usize = 2 << 20;
/// Bits 47:12 of a descriptor: the next table's or the output's address.
const ADDRESS: u64 = 0x0000_ffff_ffff_f000;

#[repr(C, align(4096))]
struct Table([u64; ENTRIES]);

impl Table {
    fn new() -> Box<Table> {
        Box::new(Table([0; ENTRIES]))
    }
}

/// How a guest may use a mapped range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
    /// Device memory (nGnRE) instead of normal write-back memory.
    pub device: bool,
}

impl Rights {
    /// Normal memory the guest may read, write and execute (its RAM).
    pub const RAM: Rights = Rights { read: true, write: true, execute: true, device: false };
    /// A device the guest drives itself (read and write, never execute).
    pub const DEVICE: Rights = Rights { read: true, write: true, execute: false, device: true };

    fn bits(self) -> u64 {
        let memory_type = if self.device { 0b0001 } else { 0b1111 };
        let access = (self.read as u64) | ((self.write as u64) << 1);
        let shareable = if self.device { 0 } else { 0b11 };
        let never_execute = if self.execute { 0 } else { 1 << 54 };
        (memory_type << 2) | (access << 6) | (shareable << 8) | (1 << 10) | never_execute
    }
}

/// Why a range could not be mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// Base, physical address or size not page aligned, or the size is 0.
    Unaligned,
    /// The range leaves the IPA space.
    OutOfRange,
    /// Part of the range is mapped already.
    Overlap,
}

/// One VM's tables.
pub struct Stage2Tables {
    root: Box<Table>,
    /// Tables below the root, owned here so they live as long as the root points at them.
    owned: Vec<Box<Table>>,
    /// Size of the IPA space (the port's VTCR says how many bits the root translates).
    ipa_limit: u64,
}

impl Stage2Tables {
    /// Empty tables (every access faults) for an IPA space of `ipa_bits` bits (at most 39).
    pub fn new(ipa_bits: u32) -> Stage2Tables {
        Stage2Tables { root: Table::new(), owned: Vec::new(), ipa_limit: 1 << ipa_bits.min(39) }
    }

    /// Physical address of the root table (for VTTBR).
    pub fn root_address(&self) -> u64 {
        &*self.root as *const Table as usize as u64
    }

    /// Maps `[ipa, ipa + size)` to `[pa, pa + size)` with `rights`, refusing anything unaligned,
    /// outside the IPA space, or overlapping an existing mapping. The caller makes the writes
    /// visible to the table walker (a barrier) before a guest uses them.
    pub fn map(&mut self, ipa: usize, pa: usize, size: usize, rights: Rights) -> Result<(), MapError> {
        if size == 0 || !ipa.is_multiple_of(PAGE) || !pa.is_multiple_of(PAGE) || !size.is_multiple_of(PAGE) {
            return Err(MapError::Unaligned);
        }
        let end = ipa.checked_add(size).ok_or(MapError::OutOfRange)?;
        if end as u64 > self.ipa_limit {
            return Err(MapError::OutOfRange);
        }
        if (ipa..end).step_by(PAGE).any(|at| self.translate(at).is_some()) {
            return Err(MapError::Overlap);
        }
        let mut offset = 0;
        while offset < size {
            let (at, to) = (ipa + offset, pa + offset);
            let block = at % BLOCK == 0 && to % BLOCK == 0 && size - offset >= BLOCK && self.level2_slot_free(at);
            if block {
                let level2 = self.next_table(at, 1).ok_or(MapError::Overlap)?;
                level2[index(at, 2)] = to as u64 | rights.bits() | 0b01;
                offset += BLOCK;
            } else {
                let level3 = self.next_table(at, 2).ok_or(MapError::Overlap)?;
                level3[index(at, 3)] = to as u64 | rights.bits() | 0b11;
                offset += PAGE;
            }
        }
        Ok(())
    }

    /// The physical address `ipa` maps to and its descriptor, or `None` when unmapped.
    pub fn translate(&self, ipa: usize) -> Option<(usize, u64)> {
        let mut table: &Table = &self.root;
        for level in 1..=3 {
            let entry = *table.0.get(index(ipa, level))?;
            if entry & 1 == 0 {
                return None;
            }
            let is_table = level < 3 && entry & 0b10 != 0;
            if !is_table {
                let span = if level == 2 { BLOCK } else { PAGE };
                let base = (entry & ADDRESS) as usize & !(span - 1);
                return Some((base + ipa % span, entry));
            }
            // SAFETY: a valid table entry points at a table these tables own.
            table = unsafe { &*((entry & ADDRESS) as usize as *const Table) };
        }
        None
    }

    fn level2_slot_free(&self, ipa: usize) -> bool {
        let entry = self.root.0[index(ipa, 1)];
        if entry & 1 == 0 {
            return true;
        }
        // SAFETY: as in `translate`.
        let level2 = unsafe { &*((entry & ADDRESS) as usize as *const Table) };
        level2.0[index(ipa, 2)] & 1 == 0
    }

    /// The table at `level + 1` for `ipa`, made when missing; `None` when a block already
    /// maps the range on the way (the overlap check in `map` rules that out first).
    fn next_table(&mut self, ipa: usize, level: u32) -> Option<&mut [u64; ENTRIES]> {
        let mut table: *mut Table = &mut *self.root;
        for at in 1..=level {
            // SAFETY: `table` is the root or a table owned by `self.owned`.
            let slot = unsafe { &mut (*table).0[index(ipa, at)] };
            if *slot & 1 == 0 {
                let mut new = Table::new();
                *slot = (&mut *new as *mut Table as usize as u64) | 0b11;
                self.owned.push(new);
            } else if *slot & 0b10 == 0 {
                return None;
            }
            table = (*slot & ADDRESS) as usize as *mut Table;
        }
        // SAFETY: as above; the borrow of `self` covers the owned tables.
        Some(unsafe { &mut (*table).0 })
    }
}

fn index(ipa: usize, level: u32) -> usize {
    ((ipa as u64 >> (12 + 9 * (3 - level))) as usize) & (ENTRIES - 1)
}

/// A CPU's stage-2 translation of one VM, as hypervisor code of every CPU uses it.
pub trait GuestTranslation: Sized + Send {
    /// Empty tables (every access faults) tagged with `vmid`.
    fn new(vmid: u8) -> Self;
    /// Maps `[ipa, ipa + size)` to `[pa, pa + size)` with `rights`.
    fn map(&mut self, ipa: usize, pa: usize, size: usize, rights: Rights) -> Result<(), MapError>;
    /// What the scheduler hands the CPU port when a thread of the VM runs (its VTTBR).
    fn token(&self) -> usize;
    /// Forgets every cached translation of this VM.
    fn flush(&self);
}
