//! The normal world's test of the secure world (`run::secure_test`): a supervisor image QEMU
//! loads below the monitor, whose user task calls the secure service.
#![no_std]
#![no_main]

use wells_image_arm64::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::secure_test(board)
}
