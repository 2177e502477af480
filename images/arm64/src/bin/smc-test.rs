//! The normal world's test of the wells monitor (`run::smc_test`): a supervisor image QEMU
//! loads below the monitor, entered at non-secure EL2.
#![no_std]
#![no_main]

use wells_image_arm64::{run, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    run::smc_test(board)
}
