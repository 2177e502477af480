//! The Cortex-A15 (arm32) test image: the shared in-kernel test runner
//! (`wells_board_common::test`) with the kernel-thread tests, plus the user-task scenarios for
//! tasks in USR mode (feature `user`).
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::test;
use wells_qemu_virt_arm32::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    #[cfg(feature = "user")]
    let user = {
        use wells_qemu_virt_arm32::apps::a32;
        let mut user = test::user::mmu_tests(a32::TESTS, a32::TRANSACTIONS);
        user.push(test::user::handle_table_test(a32::HANDLE_FILLER));
        user
    };
    #[cfg(not(feature = "user"))]
    let user = alloc::vec::Vec::new();
    test::run(board, user)
}
