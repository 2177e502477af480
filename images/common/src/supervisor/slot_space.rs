//! A task's memory on an MPU board: one slot of a static pool of task RAM holding its program
//! and its threads' stacks, fenced by the board's MPU regions:
//!
//! ```text
//! slot base                                                              slot base + SLOT_SIZE
//! | first thread's stack | program: text rodata data bss | ... | thread 3 | thread 2 |
//!                    <- grows down                                stacks of later threads <-
//! ```
//!
//! The program (a position-independent `user/apps` executable, [`mpu_loader`]) is copied in
//! and relocated when the task is made. The first thread's stack sits at the bottom, so running
//! off it leaves the slot and faults; later threads' stacks come down from the top, one
//! `THREAD_STACK` each, until they would reach the program (`Limit`). The kernel itself refuses
//! to write into a read-only segment ([`UserSpace::may_access`]).
//!
//! What differs per board is behind [`SlotRam`] (the pool itself, a static of the board made
//! by [`task_ram!`](crate::task_ram): its alignment is what the board's MPU needs) and
//! [`SlotBoard`]: how a slot's MPU regions are made and loaded, how a thread enters user mode,
//! whether only Thumb code runs, and how the kernel reaches a slot while it loads a program.

use super::mpu_loader::{self, Loaded};
use super::{Entry, UserSpace};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_core::Error;

/// Which slots of a board's pool are in use (bit n = slot n; 32 slots at most).
pub struct SlotPool {
    used: AtomicU32,
}

impl SlotPool {
    /// A pool with every slot free.
    pub const fn new() -> SlotPool {
        SlotPool { used: AtomicU32::new(0) }
    }

    /// Takes the first free one of `slots` slots.
    fn take(&self, slots: usize) -> Result<usize, String> {
        let mut used = self.used.load(Ordering::Acquire);
        loop {
            let free = (!used).trailing_zeros() as usize;
            if free >= slots {
                return Err(format!("no free task RAM slot (all {slots} in use)"));
            }
            match self.used.compare_exchange(used, used | 1 << free, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(free),
                Err(now) => used = now,
            }
        }
    }

    /// Gives slot `n` back.
    fn release(&self, n: usize) {
        self.used.fetch_and(!(1 << n), Ordering::AcqRel);
    }
}

impl Default for SlotPool {
    fn default() -> SlotPool {
        SlotPool::new()
    }
}

/// A board's pool of task RAM: made by [`task_ram!`](crate::task_ram), which keeps the static.
///
/// # Safety
///
/// [`SlotRam::ram`] is the start of `SLOTS * SLOT_SIZE` bytes of RAM (a static of the board)
/// that nothing but the slots [`SlotRam::pool`] hands out uses, and `pool` is this pool's alone:
/// a slot taken from it belongs to one [`SlotSpace`] until it gives it back.
pub unsafe trait SlotRam: 'static {
    /// One slot of task RAM: a task's program and stacks.
    const SLOT_SIZE: usize;
    /// Slots in the pool: tasks alive at once (32 at most).
    const SLOTS: usize;
    /// The pool's bookkeeping.
    fn pool() -> &'static SlotPool;
    /// Address of the pool's first slot.
    fn ram() -> usize;
}

/// Defines a board's pool of task RAM, `$slots` slots of `$size` bytes in section `.task_ram`,
/// each aligned to `$align` (what the board's MPU needs of a region), and the unit type
/// `$name` that implements [`SlotRam`] for it. The calling module must not touch the statics it
/// defines (`TASK_RAM`, `POOL`) itself:
///
/// ```ignore
/// wells_board_common::task_ram!(TaskRam, slots: 16, size: 128 * 1024, align: 4096);
/// ```
#[macro_export]
macro_rules! task_ram {
    ($name:ident, slots: $slots:expr, size: $size:expr, align: $align:tt) => {
        /// One slot of task RAM.
        #[repr(C, align($align))]
        struct Slot([u8; $size]);

        #[link_section = ".task_ram"]
        static mut TASK_RAM: [Slot; $slots] = [const { Slot([0; $size]) }; $slots];

        static POOL: $crate::supervisor::slot_space::SlotPool = $crate::supervisor::slot_space::SlotPool::new();

        /// This board's pool of task RAM.
        pub struct $name;

        // SAFETY: TASK_RAM and POOL are this expansion's: the module that calls `task_ram!`
        // touches neither (the macro's contract), so TASK_RAM's SLOTS slots of SLOT_SIZE bytes
        // are used only as POOL, which serves this pool alone, hands them out.
        unsafe impl $crate::supervisor::slot_space::SlotRam for $name {
            const SLOT_SIZE: usize = $size;
            const SLOTS: usize = $slots;

            fn pool() -> &'static $crate::supervisor::slot_space::SlotPool {
                &POOL
            }

            fn ram() -> usize {
                (&raw const TASK_RAM) as usize
            }
        }
    };
}

/// What a board's MPU and CPU do with a slot of its task RAM.
pub trait SlotBoard: SlotRam {
    /// The first thread's stack, at the bottom of the slot.
    const FIRST_STACK: usize = 8 * 1024;
    /// The stack of each further thread, from the top of the slot down.
    const THREAD_STACK: usize = 4 * 1024;
    /// The CPU runs Thumb code only: a program's entry and every thread's start must be odd
    /// addresses (`CPU` names it in the error).
    const THUMB_ONLY: bool = false;
    /// The CPU's name, for errors.
    const CPU: &'static str;
    /// A task's MPU regions, encoded; its address is the domain's space token.
    type Regions: Default + Send + 'static;

    /// Runs `fill` with `[start, end)` (a free slot) writable for the kernel. By default the
    /// kernel reaches task RAM as it is.
    fn with_load_window<R>(_start: usize, _end: usize, fill: impl FnOnce() -> R) -> R {
        fill()
    }
    /// The regions of the slot at `base` holding `program` (loaded at `base + FIRST_STACK`).
    fn regions(base: usize, program: &Loaded) -> Result<Self::Regions, String>;
    /// Loads the regions whose token (address) is `token`.
    fn activate(token: usize);
    /// Leaves the kernel for user code at `pc` on stack `sp`, `arg` in its first argument register.
    fn enter(pc: usize, sp: usize, arg: usize) -> !;
}

/// A task's slot, its MPU regions and its program.
pub struct SlotSpace<B: SlotBoard> {
    /// The MPU regions; boxed so its address (the domain's space token) stays put.
    regions: Box<B::Regions>,
    slot: Option<usize>,
    /// The program, from its load base (`slot base + FIRST_STACK`).
    program: Option<Loaded>,
    /// Stacks handed out so far.
    stacks: usize,
    board: PhantomData<fn() -> B>,
}

impl<B: SlotBoard> SlotSpace<B> {
    fn slot_base(n: usize) -> usize {
        B::ram() + n * B::SLOT_SIZE
    }

    fn base(&self) -> Option<usize> {
        self.slot.map(Self::slot_base)
    }
}

impl<B: SlotBoard> Drop for SlotSpace<B> {
    /// Gives the slot back (a task that could not start, or every task of an ended kernel).
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            B::pool().release(slot);
        }
    }
}

impl<B: SlotBoard> UserSpace for SlotSpace<B> {
    /// A position-independent ELF image of `user/apps`.
    type Program = &'static [u8];
    type Mode = ();

    fn new(_number: usize) -> Result<Self, String> {
        Ok(SlotSpace { regions: Box::default(), slot: None, program: None, stacks: 0, board: PhantomData })
    }

    /// Takes a slot, copies the program in above the first stack and relocates it.
    fn load(&mut self, elf: &'static [u8]) -> Result<Entry<()>, String> {
        if self.slot.is_some() {
            return Err(String::from("a program is already loaded"));
        }
        let slot = B::pool().take(B::SLOTS)?;
        self.slot = Some(slot);
        let base = Self::slot_base(slot);
        let program = B::with_load_window(base, base + B::SLOT_SIZE, || {
            // SAFETY: the slot was free and is now this space's alone (the pool bitmap), no
            // task runs in it, the board makes it reachable (`with_load_window`), and the bytes
            // from FIRST_STACK to its end are inside the board's pool (`SlotRam`'s contract).
            let room = unsafe { core::slice::from_raw_parts_mut((base + B::FIRST_STACK) as *mut u8, B::SLOT_SIZE - B::FIRST_STACK) };
            // The first stack too: nothing of a former task stays readable.
            // SAFETY: as above, its first FIRST_STACK bytes.
            unsafe { core::ptr::write_bytes(base as *mut u8, 0, B::FIRST_STACK) };
            mpu_loader::load(elf, room)
        })?;
        if B::THUMB_ONLY && program.entry & 1 == 0 {
            return Err(format!("entry point {:#x} is not Thumb code (the {} runs nothing else)", program.entry, B::CPU));
        }
        if program.size + B::FIRST_STACK > B::SLOT_SIZE - B::THREAD_STACK {
            return Err(format!("program of {:#x} bytes leaves no room for a second stack in a {:#x}-byte slot", program.size, B::SLOT_SIZE));
        }
        *self.regions = B::regions(base, &program)?;
        let entry = base + B::FIRST_STACK + program.entry;
        self.program = Some(program);
        Ok(Entry { pc: entry, mode: () })
    }

    fn token(&self) -> usize {
        &*self.regions as *const B::Regions as usize
    }

    /// True when `[start, start + len)` is in the task's slot and, to write, not in a
    /// read-only segment of its program.
    fn may_access(&self, start: usize, len: usize, write: bool) -> bool {
        let (Some(end), Some(base)) = (start.checked_add(len), self.base()) else { return false };
        if start < base || end > base + B::SLOT_SIZE {
            return false;
        }
        let Some(program) = &self.program else { return !write };
        let load = base + B::FIRST_STACK;
        !write || program.segments.iter().filter(|s| !s.writable).all(|s| end <= load + s.start || load + s.end <= start)
    }

    /// Code in the program's executable segment (Thumb, bit 0 set, where the CPU runs nothing
    /// else).
    fn may_start_at(&self, _: (), pc: usize) -> bool {
        if B::THUMB_ONLY && pc & 1 == 0 {
            return false;
        }
        let (Some(program), Some(base)) = (&self.program, self.base()) else { return false };
        (pc & !1).checked_sub(base + B::FIRST_STACK).and_then(|at| program.segment(at)).is_some_and(|s| s.executable)
    }

    fn next_stack(&self) -> Result<usize, Error> {
        let (Some(base), Some(program)) = (self.base(), &self.program) else { return Err(Error::BadState) };
        if self.stacks == 0 {
            return Ok(base + B::FIRST_STACK);
        }
        let top = base + B::SLOT_SIZE - (self.stacks - 1) * B::THREAD_STACK;
        if top - B::THREAD_STACK < base + B::FIRST_STACK + program.size {
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
        B::activate(self.token());
    }

    fn ram(&self) -> usize {
        self.base().unwrap_or(0)
    }

    fn enter(_: (), pc: usize, sp: usize, arg: usize) -> ! {
        B::enter(pc, sp, arg)
    }
}
