//! The Cortex-A15 (arm32) benchmark image (`wells_board_common::bench`), counting instructions
//! with PMCCNTR (widened to 64 bits) under `-icount`.
#![no_std]
#![no_main]

use wells_board_common::bench::{self, UserBench};
use wells_qemu_virt_arm32::apps::a32;
use wells_qemu_virt_arm32::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let user = UserBench {
        round_trip: "USR -> SVC -> USR",
        syscall: a32::BENCH_SYSCALL,
        ipc_client: a32::BENCH_IPC_CLIENT,
        ipc_server: a32::BENCH_IPC_SERVER,
    };
    bench::run(board, &user)
}
