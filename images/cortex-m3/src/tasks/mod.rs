//! User tasks on this board (see `wells_board_common::supervisor`): domains whose threads run in
//! unprivileged thread mode, each in a slot of task RAM from a static pool (one MPU region)
//! that holds its program — a position-independent `user/apps` executable embedded in this
//! image ([`apps`]), copied there and relocated when the task is made — and its stacks. With the
//! MPU on no task may touch the image, kernel RAM, devices or another task's slot.

mod space;
#[cfg(not(feature = "hypervisor"))]
pub mod system;

pub use space::MpuSpace;

/// The programs of `user/apps`, built for `thumbv7m-none-eabi` as position-independent
/// executables by `cargo xtask` (which points `WELLS_USER_APPS_T32` at them). A fault stops a
/// task with -1000 - its exception number.
pub mod apps {
    use wells_core::arch::armv7m::exceptions::{MEMMANAGE, SVCALL, USAGEFAULT};

    wells_board_common::user_programs!(
        "WELLS_USER_APPS_T32",
        data_abort: MEMMANAGE as i32,
        undefined: USAGEFAULT as i32,
        unknown_call: SVCALL as i32,
    );
}

use crate::Board;
use wells_board_common::supervisor::syscalls::CallRegisters;
use wells_board_common::supervisor::{TaskPlatform, Tasks};
use wells_core::arch::armv7m::exceptions::SVCALL;
use wells_core::arch::armv7m::mpu;
use wells_core::arch::armv7m::TrapFrame;

/// What a task starts from: a position-independent ELF image of `user/apps` ([`apps`]).
pub type Program = &'static [u8];

/// The tasks of the kernel of the moment.
pub(crate) static TASKS: Tasks<Board> = Tasks::new();

impl TaskPlatform for Board {
    type Space = MpuSpace;
    const KERNEL_STACK: usize = 2048;
    const MAX_HANDLES: usize = 64;
    const CONSOLE_MAX: usize = 1024;
    /// No shared-object or transaction calls on this board (its `user/apps` build makes none).
    const TRANSACTIONS: bool = false;

    fn tasks() -> &'static Tasks<Board> {
        &TASKS
    }

    fn heap() -> wells_core::mem::HeapStats {
        crate::board::HEAP.stats()
    }
}

/// True when the MPU isolates tasks in this build.
pub fn mpu_on() -> bool {
    mpu::enabled()
}

/// The vector table below 256 bytes is kernel-only and read-only (region 3), so a NULL access
/// faults even in the kernel; the rest of the image, like all kernel memory, is the kernel's
/// (tasks run their programs from their own RAM).
#[cfg(not(feature = "no-mpu"))]
pub(crate) fn mpu_init() {
    use mpu::{Access, Region};
    if mpu::regions() < 8 {
        crate::println!("wells: no 8-region MPU; tasks not isolated");
        return;
    }
    mpu::set_fixed(3, &Region { base: 0, size: 256, access: Access::Guard }).expect("null guard");
    mpu::enable();
}

/// A system call (ABI in docs/syscalls.md, AArch32 column): number in r7, arguments r0..r3 in
/// the frame the CPU stacked on the task's stack, status r0, value r1, `time`'s high word r2.
pub(crate) struct Svc<'a>(pub &'a mut TrapFrame);

impl CallRegisters for Svc<'_> {
    fn call(&mut self) -> (usize, [u64; 4]) {
        let number = self.0.high(7);
        // SAFETY: an SVC was taken, so the CPU stacked the frame on the task's stack.
        let stacked = unsafe { self.0.stacked() };
        (number as usize, [stacked.r0 as u64, stacked.r1 as u64, stacked.r2 as u64, stacked.r3 as u64])
    }

    fn set_value(&mut self, value: u64, wide: bool) {
        // SAFETY: as above; the kernel stack kept the frame alive across any switch.
        let stacked = unsafe { self.0.stacked() };
        stacked.r0 = 0;
        stacked.r1 = value as u32;
        if wide {
            stacked.r2 = (value >> 32) as u32;
        }
    }

    fn set_error(&mut self, status: i64) {
        // SAFETY: as above; the kernel stack kept the frame alive across any switch.
        let stacked = unsafe { self.0.stacked() };
        stacked.r0 = status as u32;
        stacked.r1 = 0;
    }

    fn unknown_call(&self) -> i32 {
        SVCALL as i32
    }
}
