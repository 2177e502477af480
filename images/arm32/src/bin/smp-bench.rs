//! The SMP latencies under `-icount` (`run::smp_bench`).
#![no_std]
#![no_main]

use wells_image_arm32::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::smp_bench(board)
}
