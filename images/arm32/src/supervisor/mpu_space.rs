//! A task's memory on this board: stack slots from a static pool of task RAM (outside the
//! kernel's RAM region), each one EL1 MPU region (at most `mpu::TASK_REGIONS`), rewritten by
//! `switch_space` when another task's thread runs; plus read access to the image's text and
//! rodata (the kernel's fixed regions 0 and 1).

use super::protection::Program;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use wells_board_common::supervisor::{Entry, UserSpace};
use wells_core::arch::arm::enter_user;
use wells_core::arch::armv8r::mpu::{self, Region, RegionSet};
use wells_core::Error;

/// One slot of task RAM: a thread's user stack (task code has no statics).
pub const SLOT_SIZE: usize = 4096;
/// Slots in the pool.
const SLOTS: usize = 16;

#[repr(C, align(4096))]
struct Slot([u8; SLOT_SIZE]);

#[link_section = ".task_ram"]
static mut TASK_RAM: [Slot; SLOTS] = [const { Slot([0; SLOT_SIZE]) }; SLOTS];

/// Slots in use (bit n = slot n), changed only with the task registry locked.
static mut SLOTS_USED: u32 = 0;

fn slot_base(n: usize) -> usize {
    (&raw const TASK_RAM) as usize + n * SLOT_SIZE
}

/// The first free slot of the pool.
fn free_slot() -> Result<usize, Error> {
    // SAFETY: called with the registry locked (`UserSpace::next_stack`, `add_stack`).
    let free = unsafe { (!SLOTS_USED).trailing_zeros() } as usize;
    if free >= SLOTS {
        return Err(Error::NoMemory);
    }
    Ok(free)
}

fn take_slot(slot: usize) {
    // SAFETY: called with the registry locked (`UserSpace::add_stack`).
    unsafe { SLOTS_USED |= 1 << slot };
}

/// A task's MPU regions and stack slots.
pub struct MpuSpace {
    /// The MPU regions; boxed so its address (the domain's space token) stays put.
    regions: Box<RegionSet>,
    slots: Vec<usize>,
}

impl MpuSpace {
    /// The slot the next stack gets and the task's regions with it, or why there is none;
    /// changes nothing.
    fn with_next_slot(&self) -> Result<(usize, RegionSet), Error> {
        if self.slots.len() >= mpu::TASK_REGIONS {
            return Err(Error::Limit);
        }
        let slot = free_slot()?;
        let regions: Vec<Region> = self
            .slots
            .iter()
            .chain([&slot])
            .map(|&n| Region {
                start: slot_base(n),
                end: slot_base(n) + SLOT_SIZE,
                user: true,
                writable: true,
                executable: false,
                device: false,
            })
            .collect();
        Ok((slot, RegionSet::new(&regions).ok_or(Error::InvalidArgument)?))
    }
}

impl UserSpace for MpuSpace {
    /// A program built into the image.
    type Program = Program;
    type Mode = ();

    fn new(_number: usize) -> Result<Self, String> {
        Ok(MpuSpace { regions: Box::new(RegionSet::default()), slots: Vec::new() })
    }

    fn load(&mut self, program: Program) -> Result<Entry<()>, String> {
        Ok(Entry { pc: program as usize, mode: () })
    }

    fn token(&self) -> usize {
        &*self.regions as *const RegionSet as usize
    }

    /// True when `[start, start + len)` is in one of the task's slots, or (reading only) in
    /// the image's text and rodata.
    fn may_access(&self, start: usize, len: usize, write: bool) -> bool {
        let Some(end) = start.checked_add(len) else { return false };
        let in_slot = self.slots.iter().any(|&n| slot_base(n) <= start && end <= slot_base(n) + SLOT_SIZE);
        let (image_start, image_end) = super::protection::user_readable();
        let in_image = !write && start >= image_start && end <= image_end;
        in_slot || in_image
    }

    /// Code in the image's text (A32, or T32 with bit 0 set).
    fn may_start_at(&self, _: (), pc: usize) -> bool {
        self.may_access(pc & !1, 2, false)
    }

    fn next_stack(&self) -> Result<usize, Error> {
        self.with_next_slot().map(|(slot, _)| slot_base(slot) + SLOT_SIZE)
    }

    /// A fresh stack slot (one more MPU region); returns its top.
    fn add_stack(&mut self) -> Result<usize, Error> {
        let (slot, regions) = self.with_next_slot()?;
        take_slot(slot);
        self.slots.push(slot);
        *self.regions = regions;
        Ok(slot_base(slot) + SLOT_SIZE)
    }

    /// The scheduler only reloads the regions when the domain changes.
    fn reload(&self) {
        mpu::activate(self.token());
    }

    fn ram(&self) -> usize {
        slot_base(self.slots[0])
    }

    fn clear_all() {
        // SAFETY: the pool bitmap is only touched with the registry locked.
        unsafe { SLOTS_USED = 0 };
    }

    fn enter(_: (), pc: usize, sp: usize, arg: usize) -> ! {
        enter_user(pc & !1, sp, arg, pc & 1 == 1)
    }
}
