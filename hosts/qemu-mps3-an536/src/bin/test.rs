//! The Cortex-R52 test image: the shared in-kernel test runner (`wells_board_common::test`) with
//! the kernel-thread tests, plus (feature `tasks`) the five user-task scenarios every board runs,
//! on the programs built into the image, at EL0 under the EL1 MPU.
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::test;
use wells_qemu_mps3_an536::Board;

#[cfg(feature = "tasks")]
mod plan {
    use wells_board_common::test::user::{Fault, Programs};
    use wells_qemu_mps3_an536::tasks::{programs, Program};
    use wells_qemu_mps3_an536::trap_class as class;

    /// Every fault must be caught: a task stopped by a fault of AArch64 class c exits with
    /// -1000 - c (the same codes as the Cortex-A15 board).
    const FAULTS: [Fault<Program>; 6] = [
        Fault::new("fault-undefined", programs::FAULT_UNDEFINED, class::UNDEFINED),
        Fault::new("fault-bad-syscall", programs::FAULT_BAD_SYSCALL, class::SVC32),
        Fault::new("fault-null", programs::FAULT_NULL, class::DATA_ABORT),
        Fault::new("fault-kernel-write", programs::FAULT_KERNEL_WRITE, class::DATA_ABORT),
        Fault::new("fault-stack", programs::FAULT_STACK, class::DATA_ABORT),
        Fault::against_victim("isolation", programs::ISOLATION, class::DATA_ABORT),
    ];

    pub fn programs() -> Programs<Program> {
        Programs {
            hello: programs::HELLO,
            hello_arg: 7,
            syscall_test: programs::SYSCALL_TEST,
            ping: programs::PING,
            pong: programs::PONG,
            spinner: programs::SPINNER,
            faults: &FAULTS,
        }
    }
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    #[cfg(feature = "tasks")]
    let user = test::user::tests(plan::programs());
    #[cfg(not(feature = "tasks"))]
    let user = alloc::vec::Vec::new();
    test::run(board, user)
}
