//! The secure world (`run::secure_world`): a supervisor the monitor enters at secure EL1 before
//! the normal world, whose tasks serve the secure service.
#![no_std]
#![no_main]

use wells_image_arm64::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::secure_world(board)
}
