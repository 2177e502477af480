//! User tasks (see `wells_board_common::supervisor`): in address spaces of their own (MMU) or in
//! slots of task RAM fenced by the MPU (`protection::TaskSpace`); system calls by `svc #0` with
//! the number in r7.

use super::protection::{TaskSpace, TASK_TRANSACTIONS};
use super::trap::class;
use super::Board;
use wells_board_common::supervisor::syscalls::CallRegisters;
use wells_board_common::supervisor::{TaskPlatform, Tasks};
use wells_core::arch::arm::TrapFrame;

/// The tasks of the kernel of the moment.
pub(crate) static TASKS: Tasks<Board> = Tasks::new();

impl TaskPlatform for Board {
    type Space = TaskSpace;
    const TRANSACTIONS: bool = TASK_TRANSACTIONS;

    fn tasks() -> &'static Tasks<Board> {
        &TASKS
    }

    fn heap() -> wells_core::mem::HeapStats {
        super::board::HEAP.stats()
    }
}

/// A system call in the trap frame: number in r7, arguments r0..r3, status r0, value r1 (r2 =
/// high word of 64-bit values).
pub(crate) struct Svc<'a>(pub &'a mut TrapFrame);

impl CallRegisters for Svc<'_> {
    fn call(&mut self) -> (usize, [u64; 4]) {
        let r = &self.0.r;
        (r[7] as usize, [r[0] as u64, r[1] as u64, r[2] as u64, r[3] as u64])
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
        // The class of an AArch32 SVC.
        class::SVC32
    }
}
