//! The kernel-fault image of the level this image is built for (`run::kernel_fault`).
#![no_std]
#![no_main]

use wells_image_arm32::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::kernel_fault(board)
}
