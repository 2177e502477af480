//! The arm64 benchmark image (`wells_board_common::bench`), counting instructions with
//! PMCCNTR_EL0 under `-icount`.
#![no_std]
#![no_main]

use wells_board_common::bench::{self, UserBench};
use wells_qemu_virt_arm64::apps::a64;
use wells_qemu_virt_arm64::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let user = UserBench {
        round_trip: "EL0 -> EL1 -> EL0",
        syscall: a64::BENCH_SYSCALL,
        ipc_client: a64::BENCH_IPC_CLIENT,
        ipc_server: a64::BENCH_IPC_SERVER,
    };
    bench::run(board, &user)
}
