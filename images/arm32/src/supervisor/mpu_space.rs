//! A task's memory on this board: one slot of a static pool of task RAM (outside the kernel's
//! RAM region) holding its program and its threads' stacks (`wells_board_common`'s
//! [`SlotSpace`]), fenced by EL1 MPU regions that `switch_space` rewrites when another task's
//! thread runs:
//!
//! ```text
//! slot base                                                              slot base + Self::SLOT_SIZE
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

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_board_common::supervisor::mpu_loader::Loaded;
use wells_board_common::supervisor::slot_space::{SlotBoard, SlotRam, SlotSpace};
use wells_core::arch::arm::enter_user;
use wells_core::arch::armv8r::mpu::{self, Region, RegionSet, GRANULE};

wells_board_common::task_ram!(TaskRam, slots: 16, size: 128 * 1024, align: 4096);

/// A task's slot, its MPU regions and its program.
pub type MpuSpace = SlotSpace<TaskRam>;

/// What the Cortex-R52's MPU makes of a slot.
impl SlotBoard for TaskRam {
    const CPU: &'static str = "Cortex-R52";
    type Regions = RegionSet;

    fn with_load_window<R>(start: usize, end: usize, fill: impl FnOnce() -> R) -> R {
        super::protection::with_load_window(start, end, fill)
    }

    /// The regions of a slot at `base` holding `program`: the first stack, each segment with
    /// its rights, the last writable one reaching to the end of the slot.
    fn regions(base: usize, program: &Loaded) -> Result<RegionSet, String> {
        let load = base + Self::FIRST_STACK;
        let ram = |start, end| Region { start, end, user: true, writable: true, executable: false, device: false };
        let mut regions: Vec<Region> = alloc::vec![ram(base, load)];
        let mut segments = program.segments.clone();
        segments.sort_unstable_by_key(|s| s.start);
        for (n, segment) in segments.iter().enumerate() {
            if !segment.start.is_multiple_of(GRANULE) {
                return Err(format!("segment at {:#x} does not start on a {GRANULE}-byte boundary (the MPU's granule)", segment.start));
            }
            let last = n + 1 == segments.len();
            let end = if last && segment.writable { base + Self::SLOT_SIZE } else { load + segment.end.next_multiple_of(GRANULE) };
            regions.push(Region { start: load + segment.start, end, user: true, writable: segment.writable, executable: segment.executable, device: false });
        }
        let covered = regions.last().map_or(load, |r| r.end);
        if covered < base + Self::SLOT_SIZE {
            regions.push(ram(covered, base + Self::SLOT_SIZE));
        }
        if regions.len() > mpu::TASK_REGIONS {
            return Err(format!("{} segments: more than the MPU's {} task regions hold with the stacks", segments.len(), mpu::TASK_REGIONS));
        }
        RegionSet::new(&regions).ok_or_else(|| String::from("the task's regions cannot be encoded"))
    }

    fn activate(token: usize) {
        mpu::activate(token);
    }

    /// A32, or T32 with bit 0 set.
    fn enter(pc: usize, sp: usize, arg: usize) -> ! {
        enter_user(pc & !1, sp, arg, pc & 1 == 1)
    }
}
