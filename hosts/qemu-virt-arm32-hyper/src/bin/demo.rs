//! The hypervisor demo: two VMs side by side, each running the Cortex-A15 supervisor's own demo (a
//! sensor, a filter and a logger task in USR mode of its guest kernel), their console lines prefixed
//! with the VM's name. QEMU exits when both guests have powered off.
#![no_std]
#![no_main]

use wells_board_common::vms::{self, VmPlatform, VmSpec};
use wells_board_common::{println, Platform};
use wells_qemu_virt_arm32_hyper::{guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    for name in ["left", "right"] {
        let spec = VmSpec::new(name, guests::SUPERVISOR, Board::RAM_IPA, 128 << 20);
        if let Err(e) = vms::start::<Board>(&k, &spec) {
            println!(Board, "wells: {e}");
            return 1;
        }
    }
    match k.run() {
        Ok(()) => 0,
        Err(e) => {
            println!(Board, "wells: run: {e}");
            1
        }
    }
}
