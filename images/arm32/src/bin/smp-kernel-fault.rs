//! A kernel fault on a secondary CPU of the Cortex-A15 supervisor (`run::smp_kernel_fault`).
#![no_std]
#![no_main]

use wells_image_arm32::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::smp_kernel_fault(board)
}
