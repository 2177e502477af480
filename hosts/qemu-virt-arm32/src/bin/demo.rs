//! The Cortex-A15 (arm32) demo (`wells_board_common::demo`). With user tasks (feature `user`,
//! what `cargo xtask run --board qemu-virt-arm32` builds): sensor, filter and logger tasks in
//! USR mode, each in its own address space. Without them the pipeline runs as kernel threads.
#![no_std]
#![no_main]

use wells_board_common::demo;
use wells_qemu_virt_arm32::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    #[cfg(feature = "user")]
    {
        use wells_qemu_virt_arm32::apps::a32;
        demo::tasks(board, [("sensor", a32::DEMO_SENSOR, 12), ("filter", a32::DEMO_FILTER, 10), ("logger", a32::DEMO_LOGGER, 8)])
    }
    #[cfg(not(feature = "user"))]
    demo::threads(board)
}
