//! The arm64 demo (`wells_board_common::demo`). With user tasks (feature `user32`, what `cargo
//! xtask run` builds): a 64-bit sensor task and a 64-bit filter task pass readings and averages
//! through ports to a 32-bit logger task. Without them the pipeline runs as kernel threads.
#![no_std]
#![no_main]

use wells_board_common::demo;
use wells_qemu_virt_arm64::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    #[cfg(feature = "user32")]
    {
        use wells_qemu_virt_arm64::apps::{a32, a64};
        demo::tasks(board, [("sensor", a64::DEMO_SENSOR, 12), ("filter", a64::DEMO_FILTER, 10), ("logger", a32::DEMO_LOGGER, 8)])
    }
    #[cfg(not(feature = "user32"))]
    demo::threads(board)
}
