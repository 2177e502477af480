//! A task's memory on this board: one slot of a static pool of task RAM, one MPU region
//! (read/write/execute for the task), holding its program and its threads' stacks
//! (`wells_board_common`'s [`SlotSpace`]: the first thread's stack at the bottom, the program
//! above it, later threads' stacks from the top down). The task may write its own code: PMSAv7
//! regions are power-of-two sized and aligned, too coarse to fence text and data of one slot
//! apart; the kernel itself refuses to write into a read-only segment
//! (`UserSpace::may_access`).

use alloc::string::String;
use wells_board_common::supervisor::mpu_loader::Loaded;
use wells_board_common::supervisor::slot_space::{SlotBoard, SlotRam, SlotSpace};
use wells_core::arch::armv7m::enter_user;
use wells_core::arch::armv7m::mpu::{self, Access, Region, RegionSet};

// Each slot aligned to its size: one PMSAv7 region.
wells_board_common::task_ram!(TaskRam, slots: 12, size: 128 * 1024, align: 131072);

/// A task's slot, its MPU region and its program.
pub type MpuSpace = SlotSpace<TaskRam>;

/// What the Cortex-M3's MPU makes of a slot.
impl SlotBoard for TaskRam {
    const THUMB_ONLY: bool = true;
    const CPU: &'static str = "Cortex-M3";
    type Regions = RegionSet;

    /// The whole slot, one region.
    fn regions(base: usize, _: &Loaded) -> Result<RegionSet, String> {
        RegionSet::new(&[Region { base, size: Self::SLOT_SIZE, access: Access::ReadWriteExecute }]).ok_or_else(|| String::from("slot is no MPU region"))
    }

    fn activate(token: usize) {
        mpu::activate(token);
    }

    fn enter(pc: usize, sp: usize, arg: usize) -> ! {
        enter_user(pc, sp, arg)
    }
}
