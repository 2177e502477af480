//! The hypervisor demo (`wells_board_common::vm_demo`): two VMs side by side, each running the
//! arm64 supervisor's own demo (a sensor, a filter and a logger task at EL0 of its guest
//! kernel).
#![no_std]
#![no_main]

use wells_board_common::vm_demo;
use wells_qemu_virt_arm64_hyper::{guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    vm_demo::run(board, guests::SUPERVISOR)
}
