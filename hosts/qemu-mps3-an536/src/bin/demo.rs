//! The Cortex-R52 demo (what `cargo xtask run --board qemu-mps3-an536` boots): the arm64 demo's
//! pipeline as EL0 tasks, each isolated by the EL1 MPU: a sensor task feeds readings through a
//! port to a filter task, which passes averages through a second port to a logger task; a
//! kernel monitor thread prints thread statistics every second until the pipeline is done,
//! then QEMU exits. The programs are the Cortex-M3 board's (4-byte messages), so the ports are
//! made here rather than by `wells_board_common::demo::tasks` (which sizes them for `user/apps`).
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::tasks::{self, TaskSpec};
use wells_board_common::{println, Platform};
use wells_core::ThreadState;
use wells_qemu_mps3_an536::tasks::{programs, Program};
use wells_qemu_mps3_an536::Board;

const MS: u64 = 1_000_000;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let readings = k.port_create(4, 16).expect("port");
    let averages = k.port_create(4, 4).expect("port");
    let grants = [("readings", readings), ("averages", averages)];
    let mut started = alloc::vec::Vec::new();
    for (name, program, priority) in [
        ("sensor", programs::DEMO_SENSOR as Program, 12),
        ("filter", programs::DEMO_FILTER, 10),
        ("logger", programs::DEMO_LOGGER, 8),
    ] {
        started.push((name, tasks::spawn::<Board>(&k, &TaskSpec { name, program, priority, arg: 0, grants: &grants, scheduling_advisor: false }).expect("task")));
    }
    let threads: alloc::vec::Vec<_> = started.iter().map(|(_, s)| s.thread).collect();
    let monitor = k
        .thread_create("monitor", 20, 0, alloc::boxed::Box::new(move || loop {
            let _ = Board::kernel().sleep_ns(1000 * MS);
            let live = threads
                .iter()
                .filter(|&&t| Board::kernel().thread_stats(t).map(|s| s.state != ThreadState::Exited).unwrap_or(false))
                .count();
            println!(Board, "monitor: t = {} ms, {} task threads live", Board::kernel().now_ns() / MS, live);
            if live == 0 {
                return 0;
            }
        }))
        .expect("monitor");
    k.thread_start(monitor).expect("start");
    if let Err(e) = k.run() {
        println!(Board, "demo: {e}");
        return 1;
    }
    let mut failed = 0;
    for (name, task) in &started {
        let code = k.thread_stats(task.thread).map(|s| s.exit_code).unwrap_or(-1);
        println!(Board, "demo: task {name} exited with {code}");
        failed += (code != 0) as i32;
    }
    println!(Board, "demo: pipeline done");
    failed
}
