//! The Cortex-M3 demo (what `cargo xtask run --board qemu-mps2-an385` boots): the arm64 demo's
//! pipeline as unprivileged tasks: a sensor task feeds readings through a port to a filter
//! task, which passes averages through a second port to a logger task; a kernel monitor thread
//! prints thread statistics every second until the pipeline is done, then QEMU exits.
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::supervisor::{self as tasks, TaskSpec};
use wells_board_common::Platform;
use wells_image_cortex_m3::tasks::apps;
use wells_image_cortex_m3::{println, Board};

const MS: u64 = 1_000_000;

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let readings = k.port_create(16, 16).expect("port");
    let averages = k.port_create(16, 4).expect("port");
    let grants = [("readings", readings), ("averages", averages)];
    let mut started = alloc::vec::Vec::new();
    for (name, program, priority) in [
        ("sensor", apps::DEMO_SENSOR, 12),
        ("filter", apps::DEMO_FILTER, 10),
        ("logger", apps::DEMO_LOGGER, 8),
    ] {
        started.push(tasks::spawn::<Board>(&k, &TaskSpec { name, program, priority, arg: 0, grants: &grants, scheduling_advisor: false }).expect("task"));
    }
    let threads: alloc::vec::Vec<_> = started.iter().map(|s| s.thread).collect();
    let monitor = k
        .thread_create("monitor", 20, 4096, alloc::boxed::Box::new(move || {
            loop {
                let _ = Board::kernel().sleep_ns(1000 * MS);
                let live = threads.iter().filter(|&&t| Board::kernel().thread_stats(t).map(|s| s.state != wells_core::ThreadState::Exited).unwrap_or(false)).count();
                let heap = wells_image_cortex_m3::board::heap_stats();
                println!("monitor: t = {} ms, {} task threads live, heap {} bytes used (peak {})", Board::kernel().now_ns() / MS, live, heap.used, heap.peak_used);
                if live == 0 {
                    return 0;
                }
            }
        }))
        .expect("monitor");
    k.thread_start(monitor).expect("start");
    match k.run() {
        Ok(()) => {
            println!("demo: pipeline done");
            0
        }
        Err(e) => {
            println!("demo: {e}");
            1
        }
    }
}
