//! The kernel stack overflow image (`wells_board_common::test::stack_overflow`): the board must
//! report the guard page hit and end the run with status 101.
#![no_std]
#![no_main]

use wells_board_common::test::stack_overflow;
use wells_qemu_virt_arm32::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    stack_overflow::run(board)
}
