//! The hypervisor demo: two guests side by side, their console lines prefixed with their names.
#![no_std]
#![no_main]

use wells_board_common::vms::{self, OnFault, VmPlatform, VmSpec};
use wells_board_common::{println, Platform};
use wells_qemu_virt_arm64_hyper::{guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    for (name, scenario) in [("alpha", 0), ("beta", 0)] {
        let spec = VmSpec {
            name,
            image: guests::BARE,
            ram_base: Board::RAM_IPA,
            ram_size: 4 << 20,
            priority: 8,
            arg: scenario,
            on_fault: OnFault::Stop,
            ports: &[],
        };
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
