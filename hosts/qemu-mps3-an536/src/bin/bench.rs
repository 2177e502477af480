//! The Cortex-R52 benchmark image (`wells_board_common::bench`), counting instructions with
//! the generic timer (CNTVCT in ns, QEMU has no PMU for this CPU) under `-icount shift=0`; the user-task rows run the bench programs
//! built into the image (the Cortex-M3 board's `tasks/programs.rs`) at EL0.
#![no_std]
#![no_main]

use wells_board_common::bench::{self, UserBench};
use wells_qemu_mps3_an536::tasks::{programs, Program};
use wells_qemu_mps3_an536::Board;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let user = UserBench {
        round_trip: "USR -> SVC -> USR",
        syscall: programs::BENCH_SYSCALL as Program,
        ipc_client: programs::BENCH_IPC_CLIENT,
        ipc_server: programs::BENCH_IPC_SERVER,
    };
    bench::run(board, &user)
}
