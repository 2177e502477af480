//! The demo of `cargo xtask run --cpus N --board qemu-virt-arm32` (`run::smp_demo`).
#![no_std]
#![no_main]

use wells_image_arm32::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::smp_demo(board)
}
