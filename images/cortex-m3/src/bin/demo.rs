//! The Cortex-M3 demo (what `cargo xtask run --system m3-tasks` boots): the tasks of the system
//! this image was built for (`tasks::system::SYSTEM`, by default `systems/m3-tasks.toml`: a
//! sensor task feeds readings through a port to a filter task, which passes averages through a
//! second port to a logger task, each isolated by the MPU), run by the shared demo
//! (`wells_board_common::demo::tasks`): a line of thread statistics every second until the
//! tasks have ended, then each task's exit code.
#![no_std]
#![no_main]

use wells_image_cortex_m3::Board;

/// The partitions image (feature `hypervisor`): the partitions of its system
/// (`systems/m3-partitions.toml` by default).
#[cfg(feature = "hypervisor")]
#[no_mangle]
fn app_main(_: &Board) -> i32 {
    wells_image_cortex_m3::partitions::run::demo()
}

#[cfg(not(feature = "hypervisor"))]
#[no_mangle]
fn app_main(board: &Board) -> i32 {
    use wells_image_cortex_m3::tasks::system::SYSTEM;
    // With feature `trace`, the known scenario runs first, and each run prints its trace.
    let scenario = if cfg!(feature = "trace") { wells_board_common::trace::scenario::run(board) } else { 0 };
    scenario + wells_board_common::demo::tasks(board, &SYSTEM)
}
