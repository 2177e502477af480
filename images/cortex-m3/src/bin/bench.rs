//! The Cortex-M3 benchmark image (`wells_board_common::bench`). QEMU's Cortex-M3 has no DWT cycle
//! counter, so it counts instructions with the board's SysTick clock under `-icount shift=0`
//! (1 ns = 1 instruction, 40-instruction steps: see `counter.rs`); the user-task rows run the
//! bench programs of `user/apps` (`tasks::apps`), which read the same clock through `time`.
#![no_std]
#![no_main]

use wells_image_cortex_m3::Board;

/// The partitions image (feature `hypervisor`): the partitions' figures.
#[cfg(feature = "hypervisor")]
#[no_mangle]
fn app_main(_: &Board) -> i32 {
    wells_image_cortex_m3::partitions::run::bench()
}

#[cfg(not(feature = "hypervisor"))]
#[no_mangle]
fn app_main(board: &Board) -> i32 {
    use wells_board_common::bench::{self, UserBench};
    use wells_image_cortex_m3::tasks::apps;
    let user = UserBench {
        round_trip: "unprivileged thread mode -> SVCall -> unprivileged",
        syscall: apps::BENCH_SYSCALL,
        ipc_client: apps::BENCH_IPC_CLIENT,
        ipc_server: apps::BENCH_IPC_SERVER,
    };
    bench::run(board, &user)
}
