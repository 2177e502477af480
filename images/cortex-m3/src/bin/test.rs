//! The Cortex-M3 test image: the shared in-kernel test runner (`wells_board_common::test`) with
//! the kernel-thread tests, plus (feature `tasks`) the five user-task scenarios every board runs,
//! on the programs built into the image; with feature `fuzz` the system-call fuzzer instead. Without the MPU (feature `no-mpu`) the faults that
//! need isolation (NULL, kernel write, stack overflow, another task's RAM) are not caught by
//! hardware, so only the undefined instruction and the bad call are tested there.
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::test;
use wells_image_cortex_m3::Board;

#[cfg(all(feature = "user", not(feature = "fuzz")))]
mod plan {
    use wells_board_common::test::user::{Fault, Programs};
    use wells_core::arch::armv7m::exceptions::{MEMMANAGE, SVCALL, USAGEFAULT};
    use wells_image_cortex_m3::tasks::{programs, Program};

    /// The faults the MPU need not catch, then those it must (a task stopped by exception
    /// number n exits with -1000 - n).
    const FAULTS: [Fault<Program>; 6] = [
        Fault::new("fault-undefined", programs::FAULT_UNDEFINED, USAGEFAULT as i32),
        Fault::new("fault-bad-syscall", programs::FAULT_BAD_SYSCALL, SVCALL as i32),
        Fault::new("fault-null", programs::FAULT_NULL, MEMMANAGE as i32),
        Fault::new("fault-kernel-write", programs::FAULT_KERNEL_WRITE, MEMMANAGE as i32),
        Fault::new("fault-stack", programs::FAULT_STACK, MEMMANAGE as i32),
        Fault::against_victim("isolation", programs::ISOLATION, MEMMANAGE as i32),
    ];

    pub fn programs() -> Programs<Program> {
        Programs {
            hello: programs::HELLO,
            hello_arg: 7,
            syscall_test: programs::SYSCALL_TEST,
            ping: programs::PING,
            pong: programs::PONG,
            spinner: programs::SPINNER,
            // By the build, not by the hardware: an MPU that failed to turn on must fail here.
            faults: if cfg!(feature = "no-mpu") { &FAULTS[..2] } else { &FAULTS },
        }
    }
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    #[cfg(feature = "fuzz")]
    let user = {
        use wells_image_cortex_m3::tasks::{self, programs};
        let calls = if cfg!(feature = "soak") { test::fuzz::SOAK_CALLS } else { test::fuzz::CALLS };
        alloc::vec![test::fuzz::test("user_syscall_fuzz", programs::SYSCALL_FUZZ as tasks::Program, programs::SPINNER as tasks::Program, calls)]
    };
    #[cfg(all(feature = "user", not(feature = "fuzz")))]
    let user = test::user::tests(plan::programs());
    #[cfg(not(feature = "user"))]
    let user = alloc::vec::Vec::new();
    test::run(board, user)
}
