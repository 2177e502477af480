//! User tasks on this board (see `wells_board_common::tasks`): domains whose threads run at EL0
//! (USR mode), with RAM from a static pool of stack slots (one EL1 MPU region each, `space.rs`).
//! Their code is built into this image: the programs of the Cortex-M3 board
//! (`hosts/qemu-mps2-an385/src/tasks/programs.rs`, included as it is — plain Rust over the
//! calls of `user/wells-user`, whose `svc #0` with the number in r7 is the same trap and ABI in
//! A32), since without an MMU every task would need its own link address for the `user/apps`
//! ELF programs.
//! All tasks may read and execute the image's text and read its rodata; none may touch kernel
//! RAM, devices or another task's RAM.

#[path = "../../../qemu-mps2-an385/src/tasks/programs.rs"]
pub mod programs;
mod space;

pub use space::MpuSpace;

use crate::trap::class;
use crate::Board;
use wells_board_common::tasks::syscalls::CallRegisters;
use wells_board_common::tasks::{TaskPlatform, Tasks};
use wells_core::arch::arm::TrapFrame;

/// The code a task's thread starts at: `arg` in r0; it must end with the `exit` call.
pub type Program = extern "C" fn(usize) -> !;

/// The tasks of the kernel of the moment.
pub(crate) static TASKS: Tasks<Board> = Tasks::new();

impl TaskPlatform for Board {
    type Space = MpuSpace;
    /// The built-in programs make no shared-object or transaction calls.
    const TRANSACTIONS: bool = false;

    fn tasks() -> &'static Tasks<Board> {
        &TASKS
    }

    fn heap() -> wells_core::mem::HeapStats {
        crate::board::HEAP.stats()
    }
}

/// A system call in the trap frame: number in r7, arguments r0..r3, status r0, value r1 (r2 =
/// high word of 64-bit values).
pub(crate) struct Svc<'a>(pub &'a mut TrapFrame);

impl CallRegisters for Svc<'_> {
    fn call(&mut self) -> (u64, [u64; 4]) {
        let r = &self.0.r;
        (r[7] as u64, [r[0] as u64, r[1] as u64, r[2] as u64, r[3] as u64])
    }

    fn set_value(&mut self, value: u64, wide: bool) {
        self.0.r[0] = 0;
        self.0.r[1] = value as u32;
        if wide {
            self.0.r[2] = (value >> 32) as u32;
        }
    }

    fn set_error(&mut self, status: i64) {
        self.0.r[0] = status as u32;
        self.0.r[1] = 0;
    }

    fn unknown_call(&self) -> i32 {
        class::SVC32
    }
}
