//! User tasks on this board (see `wells_board_common::supervisor`): address spaces of their own,
//! system calls from AArch64 (`svc #0`, number in x8) and AArch32 (number in r7).

use super::Board;
use wells_board_common::supervisor::paged::PagedSpace;
use wells_board_common::supervisor::syscalls::CallRegisters;
use wells_board_common::supervisor::{TaskPlatform, Tasks};
use wells_core::arch::aarch64::TrapFrame;

/// The tasks of the kernel of the moment.
pub(crate) static TASKS: Tasks<Board> = Tasks::new();

impl TaskPlatform for Board {
    type Space = PagedSpace<Board>;

    fn tasks() -> &'static Tasks<Board> {
        &TASKS
    }

    fn heap() -> wells_core::mem::HeapStats {
        super::board::HEAP.stats()
    }

    /// Below the wells monitor (either world, or a guest of the hypervisor below it, which
    /// passes the SMC up), an SMC; the monitor answers x0..x3.
    #[cfg(any(feature = "normal-world", feature = "secure-world", feature = "full-stack-guest"))]
    fn secure_call(function: u32, [arg1, arg2]: [u64; 2]) -> Result<[u64; 4], wells_core::Error> {
        let mut x = [0u64; 18];
        (x[0], x[1], x[2]) = (function as u64, arg1, arg2);
        wells_core::arch::aarch64::smc::call(&mut x);
        Ok([x[0], x[1], x[2], x[3]])
    }
}

/// A system call in the trap frame; `a32` when the caller runs AArch32.
pub(crate) struct Svc<'a> {
    pub frame: &'a mut TrapFrame,
    pub a32: bool,
}

impl Svc<'_> {
    /// Registers of 32-bit callers have 32 bits.
    fn mask(&self) -> u64 {
        if self.a32 {
            u32::MAX as u64
        } else {
            u64::MAX
        }
    }
}

impl CallRegisters for Svc<'_> {
    fn call(&mut self) -> (usize, [u64; 4]) {
        let number = if self.a32 { self.frame.x[7] } else { self.frame.x[8] };
        let (x, mask) = (&self.frame.x, self.mask());
        (number as usize, [x[0] & mask, x[1] & mask, x[2] & mask, x[3] & mask])
    }

    fn set_value(&mut self, value: u64, wide: bool) {
        self.frame.x[0] = 0;
        if wide && self.a32 {
            self.frame.x[1] = value & 0xffff_ffff;
            self.frame.x[2] = value >> 32;
        } else {
            self.frame.x[1] = value;
        }
    }

    fn set_error(&mut self, status: i64) {
        self.frame.x[0] = status as u64 & self.mask();
        self.frame.x[1] = 0;
    }

    fn unknown_call(&self) -> i32 {
        // The exception class of an SVC from AArch32 / AArch64.
        if self.a32 {
            0x11
        } else {
            0x15
        }
    }
}
