//! The hypervisor soak image: one kernel at EL2 churns kernel objects and VMs for a stretch of
//! virtual time (`wells_board_common::soak`, which says how long).
#![no_std]
#![no_main]

use wells_board_common::soak;
use wells_qemu_virt_arm64_hyper::{board, guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    soak::run(board, guests::BARE, soak::SECONDS, board::heap_stats)
}
