//! The hypervisor demo (`wells_board_common::vm_demo`): two VMs side by side, each running the
//! Cortex-A15 supervisor's own demo (a sensor, a filter and a logger task in USR mode of its
//! guest kernel).
#![no_std]
#![no_main]

use wells_board_common::vm_demo;
use wells_qemu_virt_arm32_hyper::{guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    vm_demo::run(board, guests::SUPERVISOR)
}
