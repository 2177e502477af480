//! The hypervisor benchmark image (`wells_board_common::vm_bench`): the guests count
//! instructions with PMCCNTR under `-icount`.
#![no_std]
#![no_main]

use wells_board_common::vm_bench;
use wells_qemu_virt_arm32_hyper::{guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    vm_bench::run(board, guests::BARE, guests::SUPERVISOR_BENCH)
}
