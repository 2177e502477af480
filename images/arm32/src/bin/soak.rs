//! The soak image of the level this image is built for (`run::soak`).
#![no_std]
#![no_main]

use wells_image_arm32::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::soak(board)
}
