//! The hypervisor test image: the shared kernel-thread tests (the core in HYP mode, on the HYP
//! timer) and the VM scenarios (`wells_board_common::test::vms`) on the bare test guest and
//! the Cortex-A15 supervisor's demo image.
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::test;
use wells_qemu_virt_arm32_hyper::{guests, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    // Feature `fuzz`: only the hypercall fuzzer (`soak`: ten times the calls).
    if cfg!(feature = "fuzz") {
        return test::run(board, test::vm_fuzz::tests::<Board>(guests::BARE, cfg!(feature = "soak")));
    }
    test::run(board, test::vms::tests::<Board>(guests::BARE, guests::SUPERVISOR))
}
