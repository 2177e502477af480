//! A task's memory on this board: one slot of a static pool of task RAM (outside the kernel's
//! RAM region) holding its program and its threads' stacks, fenced by EL1 MPU regions that
//! `switch_space` rewrites when another task's thread runs:
//!
//! ```text
//! slot base                                                              slot base + SLOT_SIZE
//! | first thread's stack | text rodata | data bss | ... | thread 3 | thread 2 |
//!   RW                     R X (EL0)     RW ------------------------------------
//! ```
//!
//! The program (a position-independent `user/apps` executable built for Thumb, `mpu_loader`)
//! is copied in and relocated when the task is made; each of its segments is a region with its
//! own rights (64-byte granule), the last one reaching to the end of the slot, where the later
//! threads' stacks come down from, one `THREAD_STACK` each, until they would reach the program
//! (`Limit`). The first thread's stack sits at the bottom, so running off it leaves the slot and
//! faults. Tasks cannot reach the kernel's image. The kernel fills a slot through a fixed region
//! of its own while it loads the program (`protection::with_load_window`).

use super::protection::Program;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_board_common::supervisor::mpu_loader::{self, Loaded};
use wells_board_common::supervisor::{Entry, UserSpace};
use wells_core::arch::arm::enter_user;
use wells_core::arch::armv8r::mpu::{self, Region, RegionSet, GRANULE};
use wells_core::Error;

/// One slot of task RAM: a task's program and stacks.
pub const SLOT_SIZE: usize = 128 * 1024;
/// Slots in the pool: tasks alive at once.
const SLOTS: usize = 16;
/// The first thread's stack, at the bottom of the slot.
pub const FIRST_STACK: usize = 8 * 1024;
/// The stack of each further thread, from the top of the slot down.
pub const THREAD_STACK: usize = 4 * 1024;

#[repr(C, align(4096))]
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
            return Err(format!("no free task RAM slot (all {SLOTS} in use)"));
        }
        match SLOTS_USED.compare_exchange(used, used | 1 << free, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Ok(free),
            Err(now) => used = now,
        }
    }
}

/// A task's slot, its MPU regions and its program.
pub struct MpuSpace {
    /// The MPU regions; boxed so its address (the domain's space token) stays put.
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

    /// The regions of a slot at `base` holding `program`: the first stack, each segment with
    /// its rights, the last writable one reaching to the end of the slot.
    fn regions(base: usize, program: &Loaded) -> Result<Vec<Region>, String> {
        let load = base + FIRST_STACK;
        let ram = |start, end| Region { start, end, user: true, writable: true, executable: false, device: false };
        let mut regions = alloc::vec![ram(base, load)];
        let mut segments = program.segments.clone();
        segments.sort_unstable_by_key(|s| s.start);
        for (n, segment) in segments.iter().enumerate() {
            if !segment.start.is_multiple_of(GRANULE) {
                return Err(format!("segment at {:#x} does not start on a {GRANULE}-byte boundary (the MPU's granule)", segment.start));
            }
            let last = n + 1 == segments.len();
            let end = if last && segment.writable { base + SLOT_SIZE } else { load + segment.end.next_multiple_of(GRANULE) };
            regions.push(Region { start: load + segment.start, end, user: true, writable: segment.writable, executable: segment.executable, device: false });
        }
        let covered = regions.last().map_or(load, |r| r.end);
        if covered < base + SLOT_SIZE {
            regions.push(ram(covered, base + SLOT_SIZE));
        }
        if regions.len() > mpu::TASK_REGIONS {
            return Err(format!("{} segments: more than the MPU's {} task regions hold with the stacks", segments.len(), mpu::TASK_REGIONS));
        }
        Ok(regions)
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
        let program = super::protection::with_load_window(base, base + SLOT_SIZE, || {
            // SAFETY: the slot was free and is now this space's alone (the pool bitmap), no
            // task runs in it, the window makes it reachable, and the bytes from FIRST_STACK to
            // its end are inside TASK_RAM.
            let room = unsafe { core::slice::from_raw_parts_mut((base + FIRST_STACK) as *mut u8, SLOT_SIZE - FIRST_STACK) };
            // The first stack too: nothing of a former task stays readable.
            // SAFETY: as above, its first FIRST_STACK bytes.
            unsafe { core::ptr::write_bytes(base as *mut u8, 0, FIRST_STACK) };
            mpu_loader::load(elf, room)
        })?;
        if program.size + FIRST_STACK > SLOT_SIZE - THREAD_STACK {
            return Err(format!("program of {:#x} bytes leaves no room for a second stack in a {SLOT_SIZE:#x}-byte slot", program.size));
        }
        let regions = Self::regions(base, &program)?;
        *self.regions = RegionSet::new(&regions).ok_or("the task's regions cannot be encoded")?;
        let entry = base + FIRST_STACK + program.entry;
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

    /// Code in the program's executable segment (A32, or T32 with bit 0 set).
    fn may_start_at(&self, _: (), pc: usize) -> bool {
        let (Some(program), Some(base)) = (&self.program, self.base()) else { return false };
        (pc & !1).checked_sub(base + FIRST_STACK).and_then(|at| program.segment(at)).is_some_and(|s| s.executable)
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
        enter_user(pc & !1, sp, arg, pc & 1 == 1)
    }
}
