//! The Cortex-M3 test image: the shared in-kernel test runner (`wells_board_common::test`) with
//! the kernel-thread tests, plus (feature `user`) the user-task scenarios every board runs on the
//! `user/apps` programs (`tasks::apps`), two tasks that cannot reach each other, a stopped task's
//! objects and programs that must be refused; with feature `fuzz` the system-call fuzzer instead. Without the MPU (feature `no-mpu`) the faults that
//! need isolation (NULL, kernel write, stack overflow, another task's RAM) are not caught by
//! hardware, so only the undefined instruction and the bad call are tested there.
#![no_std]
#![no_main]

extern crate alloc;

#[cfg(not(feature = "hypervisor"))]
use wells_board_common::test;
use wells_image_cortex_m3::Board;

#[cfg(all(feature = "user", not(feature = "fuzz")))]
mod plan {
    use wells_board_common::test::user::Programs;
    use wells_image_cortex_m3::tasks::{apps, Program};

    /// The faults the MPU need not catch, then those it must (a task stopped by exception
    /// number n exits with -1000 - n).
    pub fn programs() -> Programs<Program> {
        let all = apps::MPU_TESTS;
        // By the build, not by the hardware: an MPU that failed to turn on must fail here.
        Programs { faults: if cfg!(feature = "no-mpu") { &all.faults[..2] } else { all.faults }, ..all }
    }
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    // The partitions image (feature `hypervisor`) runs the partitions' scenarios instead.
    #[cfg(feature = "hypervisor")]
    {
        let _ = board;
        wells_image_cortex_m3::partitions::run::test()
    }
    #[cfg(not(feature = "hypervisor"))]
    run_tests(board)
}

#[cfg(not(feature = "hypervisor"))]
fn run_tests(board: &Board) -> i32 {
    #[cfg(feature = "fuzz")]
    let user = {
        use wells_image_cortex_m3::tasks::apps;
        let calls = if cfg!(feature = "soak") { test::fuzz::SOAK_CALLS } else { test::fuzz::CALLS };
        alloc::vec![test::fuzz::test("user_syscall_fuzz", apps::SYSCALL_FUZZ, apps::SPINNER, calls)]
    };
    #[cfg(all(feature = "user", not(feature = "fuzz")))]
    let user = test::user::mpu_tests(plan::programs(), wells_image_cortex_m3::tasks::apps::HELLO);
    #[cfg(not(feature = "user"))]
    let user = alloc::vec::Vec::new();
    test::run(board, user)
}
