//! The arm64 test image: the shared in-kernel test runner (`wells_board_common::test`) with the
//! kernel-thread tests, plus the user-task scenarios for 64-bit tasks (feature `user`) and for
//! 32-bit tasks beside them (feature `user32`); with feature `fuzz` the system-call fuzzers
//! instead (`soak`: 1 000 000 calls each instead of 100 000).
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::test;
use wells_qemu_virt_arm64::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    #[cfg_attr(not(feature = "user"), allow(unused_mut))]
    let mut user = alloc::vec::Vec::new();
    #[cfg(feature = "fuzz")]
    {
        use wells_qemu_virt_arm64::apps::a64;
        let calls = if cfg!(feature = "soak") { test::fuzz::SOAK_CALLS } else { test::fuzz::CALLS };
        user.push(test::fuzz::test("user_syscall_fuzz", a64::SYSCALL_FUZZ, a64::SPINNER, calls));
        #[cfg(feature = "user32")]
        {
            use wells_qemu_virt_arm64::apps::a32;
            user.push(test::fuzz::test("user32_syscall_fuzz", a32::SYSCALL_FUZZ, a32::SPINNER, calls));
        }
    }
    #[cfg(all(feature = "user", not(feature = "fuzz")))]
    {
        use wells_qemu_virt_arm64::apps::a64;
        user.extend(test::user::mmu_tests(a64::TESTS, a64::TRANSACTIONS));
        user.push(test::user::handle_table_test(a64::HANDLE_FILLER));
        #[cfg(feature = "user32")]
        user.extend(test::user::second_set_tests(a64::TESTS, wells_qemu_virt_arm64::apps::a32::TESTS));
    }
    test::run(board, user)
}
