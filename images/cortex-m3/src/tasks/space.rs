//! A task's memory on this board: one slot of a static pool of task RAM, one MPU region
//! (read/write/execute for the task), holding its program and its threads' stacks:
//!
//! ```text
//! slot base                                                              slot base + SLOT_SIZE
//! | first thread's stack | program: text rodata data bss | ... | thread 3 | thread 2 |
//!                    <- grows down                                stacks of later threads <-
//! ```
//!
//! The program (a position-independent `user/apps` executable, `mpu_loader`) is copied in and
//! relocated when the task is made. The first thread's stack sits at the bottom, so running off
//! it leaves the slot and faults; later threads' stacks come down from the top, one
//! `THREAD_STACK` each, until they would reach the program (`Limit`). The task may write its own
//! code: PMSAv7 regions are power-of-two sized and aligned, too coarse to fence text and data
//! of one slot apart; the kernel itself refuses to write into a read-only segment
//! ([`UserSpace::may_access`]).

use super::Program;
use alloc::boxed::Box;
use alloc::string::String;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_board_common::supervisor::mpu_loader::{self, Loaded};
use wells_board_common::supervisor::{Entry, UserSpace};
use wells_core::arch::armv7m::enter_user;
use wells_core::arch::armv7m::mpu::{self, Access, Region, RegionSet};
use wells_core::Error;

/// One slot of task RAM: a task's program and stacks (one MPU region).
pub const SLOT_SIZE: usize = 128 * 1024;
/// Slots in the pool: tasks alive at once.
const SLOTS: usize = 12;
/// The first thread's stack, at the bottom of the slot.
pub const FIRST_STACK: usize = 8 * 1024;
/// The stack of each further thread, from the top of the slot down.
pub const THREAD_STACK: usize = 4 * 1024;

#[repr(C, align(131072))]
struct Slot([u8; SLOT_SIZE]);

#[link_section = ".task_ram"]
static mut TASK_RAM: [Slot; SLOTS] = [const { Slot([0; SLOT_SIZE]) }; SLOTS];

/// Slots in use (bit n = slot n).
static SLOTS_USED: AtomicU32 = AtomicU32::new(0);

fn slot_base(n: usize) -> usize {
    (&raw const TASK_RAM) as usize + n * SLOT_SIZE
}

/// Takes the first free slot of the pool.
fn take_slot() -> Result<usize, String> {
    let mut used = SLOTS_USED.load(Ordering::Acquire);
    loop {
        let free = (!used).trailing_zeros() as usize;
        if free >= SLOTS {
            return Err(alloc::format!("no free task RAM slot (all {SLOTS} in use)"));
        }
        match SLOTS_USED.compare_exchange(used, used | 1 << free, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Ok(free),
            Err(now) => used = now,
        }
    }
}

/// A task's slot, its MPU region and its program.
pub struct MpuSpace {
    /// The MPU region; boxed so its address (the domain's space token) stays put.
    regions: Box<RegionSet>,
    slot: Option<usize>,
    /// The program, from its load base (`slot_base + FIRST_STACK`).
    program: Option<Loaded>,
    /// Stacks handed out so far.
    stacks: usize,
}

impl MpuSpace {
    fn base(&self) -> Option<usize> {
        self.slot.map(slot_base)
    }

    fn load_base(&self) -> Option<usize> {
        self.base().map(|base| base + FIRST_STACK)
    }

    /// `[start, end)` of the program's segment holding `address`, and whether it is writable.
    fn segment_at(&self, address: usize) -> Option<(usize, usize, bool, bool)> {
        let (program, base) = (self.program.as_ref()?, self.load_base()?);
        let segment = program.segment(address.checked_sub(base)?)?;
        Some((base + segment.start, base + segment.end, segment.writable, segment.executable))
    }
}

impl Drop for MpuSpace {
    /// Gives the slot back (a task that could not start, or every task of an ended kernel).
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            SLOTS_USED.fetch_and(!(1 << slot), Ordering::AcqRel);
        }
    }
}

impl UserSpace for MpuSpace {
    /// A position-independent ELF image of `user/apps`.
    type Program = Program;
    type Mode = ();

    fn new(_number: usize) -> Result<Self, String> {
        Ok(MpuSpace { regions: Box::new(RegionSet::default()), slot: None, program: None, stacks: 0 })
    }

    /// Takes a slot, copies the program in above the first stack and relocates it.
    fn load(&mut self, elf: Program) -> Result<Entry<()>, String> {
        if self.slot.is_some() {
            return Err(String::from("a program is already loaded"));
        }
        let slot = take_slot()?;
        self.slot = Some(slot);
        let base = slot_base(slot);
        // SAFETY: the slot was free and is now this space's alone (the pool bitmap), no task
        // runs in it, and the bytes from FIRST_STACK to its end are inside TASK_RAM.
        let room = unsafe { core::slice::from_raw_parts_mut((base + FIRST_STACK) as *mut u8, SLOT_SIZE - FIRST_STACK) };
        // The first stack too: nothing of a former task stays readable.
        // SAFETY: as above, its first FIRST_STACK bytes.
        unsafe { core::ptr::write_bytes(base as *mut u8, 0, FIRST_STACK) };
        let program = mpu_loader::load(elf, room)?;
        if program.entry & 1 == 0 {
            return Err(alloc::format!("entry point {:#x} is not Thumb code (the Cortex-M3 runs nothing else)", program.entry));
        }
        let entry = base + FIRST_STACK + program.entry;
        if program.size + FIRST_STACK > SLOT_SIZE - THREAD_STACK {
            return Err(alloc::format!("program of {:#x} bytes leaves no room for a second stack in a {SLOT_SIZE:#x}-byte slot", program.size));
        }
        *self.regions = RegionSet::new(&[Region { base, size: SLOT_SIZE, access: Access::ReadWriteExecute }]).ok_or("slot is no MPU region")?;
        self.program = Some(program);
        Ok(Entry { pc: entry, mode: () })
    }

    fn token(&self) -> usize {
        &*self.regions as *const RegionSet as usize
    }

    /// True when `[start, start + len)` is in the task's slot and, to write, not in a
    /// read-only segment of its program.
    fn may_access(&self, start: usize, len: usize, write: bool) -> bool {
        let (Some(end), Some(base)) = (start.checked_add(len), self.base()) else { return false };
        if start < base || end > base + SLOT_SIZE {
            return false;
        }
        let Some(program) = &self.program else { return !write };
        let load = base + FIRST_STACK;
        !write || program.segments.iter().filter(|s| !s.writable).all(|s| end <= load + s.start || load + s.end <= start)
    }

    /// Thumb code in the program's executable segment.
    fn may_start_at(&self, _: (), pc: usize) -> bool {
        pc & 1 != 0 && self.segment_at(pc & !1).is_some_and(|(_, _, _, executable)| executable)
    }

    fn next_stack(&self) -> Result<usize, Error> {
        let (Some(base), Some(program)) = (self.base(), &self.program) else { return Err(Error::BadState) };
        if self.stacks == 0 {
            return Ok(base + FIRST_STACK);
        }
        let top = base + SLOT_SIZE - (self.stacks - 1) * THREAD_STACK;
        if top - THREAD_STACK < base + FIRST_STACK + program.size {
            return Err(Error::Limit);
        }
        Ok(top)
    }

    /// The next stack of the slot; returns its top.
    fn add_stack(&mut self) -> Result<usize, Error> {
        let top = self.next_stack()?;
        self.stacks += 1;
        Ok(top)
    }

    /// The scheduler only reloads the regions when the domain changes.
    fn reload(&self) {
        mpu::activate(self.token());
    }

    fn ram(&self) -> usize {
        self.base().unwrap_or(0)
    }

    fn enter(_: (), pc: usize, sp: usize, arg: usize) -> ! {
        enter_user(pc, sp, arg)
    }
}
