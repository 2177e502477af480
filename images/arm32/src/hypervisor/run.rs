//! What each binary of a hypervisor image runs.

use super::{board, guests, Board};
use wells_board_common::hypervisor::{demo as vm_demo, soak};
use wells_board_common::test;

/// The test image: the shared kernel-thread tests (the core in HYP mode, on the HYP timer) and
/// the VM scenarios (`wells_board_common::test::vms`) on the bare test guest and the Cortex-A15
/// supervisor's demo image; with feature `fuzz` only the hypercall fuzzer (`soak`: ten times the
/// calls).
pub fn test(board: &Board) -> i32 {
    if cfg!(feature = "fuzz") {
        return test::run(board, test::vm_fuzz::tests::<Board>(guests::BARE, cfg!(feature = "soak")));
    }
    test::run(board, test::vms::tests::<Board>(guests::BARE, guests::SUPERVISOR))
}

/// The demo (`wells_board_common::hypervisor::demo`): two VMs side by side, each running the
/// Cortex-A15 supervisor's own demo (a sensor, a filter and a logger task in USR mode of its
/// guest kernel).
pub fn demo(board: &Board) -> i32 {
    vm_demo::run(board, guests::SUPERVISOR)
}

/// The benchmark image (`wells_board_common::hypervisor::bench`): the guests count instructions with
/// PMCCNTR_EL0 under `-icount`.
#[cfg(feature = "bench")]
pub fn bench(board: &Board) -> i32 {
    wells_board_common::hypervisor::bench::run(board, guests::BARE, guests::SUPERVISOR_BENCH)
}

/// The soak image: one kernel in HYP mode churns kernel objects and VMs for a stretch of virtual
/// time (`wells_board_common::hypervisor::soak`, which says how long).
pub fn soak(board: &Board) -> i32 {
    soak::run(board, guests::BARE, soak::SECONDS, board::heap_stats)
}
