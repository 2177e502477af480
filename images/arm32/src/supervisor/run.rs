//! What each binary of a supervisor image runs, on each board.

use super::Board;
use wells_board_common::test;

/// The test image: the shared in-kernel test runner (`wells_board_common::test`) with the
/// kernel-thread tests, plus (feature `user`) the user-task scenarios: on the Cortex-A15 over the
/// `user/apps` programs in USR mode, on the Cortex-R52 the five scenarios every board runs over
/// the programs built into the image, at EL0 under the EL1 MPU.
pub fn test(board: &Board) -> i32 {
    #[cfg(all(feature = "user", feature = "qemu-virt"))]
    let user = {
        use super::apps::a32;
        let mut user = test::user::mmu_tests(a32::TESTS, a32::TRANSACTIONS);
        user.push(test::user::handle_table_test(a32::HANDLE_FILLER));
        user
    };
    #[cfg(all(feature = "user", feature = "mps3-an536"))]
    let user = test::user::tests(mpu_plan::programs());
    #[cfg(not(feature = "user"))]
    let user = alloc::vec::Vec::new();
    test::run(board, user)
}

/// The Cortex-R52's task scenarios: its built-in programs and the faults each must end with.
#[cfg(all(feature = "user", feature = "mps3-an536"))]
mod mpu_plan {
    use super::super::protection::{programs, Program};
    use super::super::trap::class;
    use wells_board_common::test::user::{Fault, Programs};

    /// Every fault must be caught: a task stopped by a fault of AArch64 class c exits with
    /// -1000 - c (the same codes as the Cortex-A15).
    const FAULTS: [Fault<Program>; 6] = [
        Fault::new("fault-undefined", programs::FAULT_UNDEFINED, class::UNDEFINED),
        Fault::new("fault-bad-syscall", programs::FAULT_BAD_SYSCALL, class::SVC32),
        Fault::new("fault-null", programs::FAULT_NULL, class::DATA_ABORT),
        Fault::new("fault-kernel-write", programs::FAULT_KERNEL_WRITE, class::DATA_ABORT),
        Fault::new("fault-stack", programs::FAULT_STACK, class::DATA_ABORT),
        Fault::against_victim("isolation", programs::ISOLATION, class::DATA_ABORT),
    ];

    pub fn programs() -> Programs<Program> {
        Programs {
            hello: programs::HELLO,
            hello_arg: 7,
            syscall_test: programs::SYSCALL_TEST,
            ping: programs::PING,
            pong: programs::PONG,
            spinner: programs::SPINNER,
            faults: &FAULTS,
        }
    }
}

/// The demo on the Cortex-A15 (`wells_board_common::demo`): with user tasks (feature `user`,
/// what `cargo xtask run` builds) the tasks of the system this image was built for
/// (`system::SYSTEM`, by default `systems/arm32-tasks.toml`: a sensor, a filter and a logger
/// task in USR mode); without them the pipeline runs as kernel threads.
#[cfg(feature = "qemu-virt")]
pub fn demo(board: &Board) -> i32 {
    #[cfg(feature = "user")]
    {
        wells_board_common::demo::tasks(board, &super::system::SYSTEM)
    }
    #[cfg(not(feature = "user"))]
    wells_board_common::demo::threads(board)
}

/// The demo (what `cargo xtask run --board qemu-mps3-an536` boots): the arm64 demo's
/// pipeline as EL0 tasks, each isolated by the EL1 MPU: a sensor task feeds readings through a
/// port to a filter task, which passes averages through a second port to a logger task; a
/// kernel monitor thread prints thread statistics every second until the pipeline is done,
/// then QEMU exits. The programs are the Cortex-M3 board's (4-byte messages), so the ports are
/// made here rather than by `wells_board_common::demo::tasks` (which sizes them for `user/apps`).
#[cfg(feature = "mps3-an536")]
pub fn demo(board: &Board) -> i32 {
    use super::protection::{programs, Program};
    use wells_board_common::supervisor::{self as tasks, TaskSpec};
    use wells_board_common::{println, Platform};
    use wells_core::ThreadState;

    const MS: u64 = 1_000_000;

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

/// The benchmark image (`wells_board_common::bench`): on the Cortex-A15 counting instructions
/// with PMCCNTR, on the Cortex-R52 with the generic timer (CNTVCT in ns, QEMU has no PMU for
/// this CPU) under `-icount shift=0`; the user-task rows run the `user/apps` bench programs
/// (Cortex-A15) or the ones built into the image (Cortex-R52) in USR mode.
#[cfg(feature = "bench")]
pub fn bench(board: &Board) -> i32 {
    #[cfg(feature = "qemu-virt")]
    let user = {
        use super::apps::a32;
        wells_board_common::bench::UserBench {
            round_trip: "USR -> SVC -> USR",
            syscall: a32::BENCH_SYSCALL,
            ipc_client: a32::BENCH_IPC_CLIENT,
            ipc_server: a32::BENCH_IPC_SERVER,
        }
    };
    #[cfg(feature = "mps3-an536")]
    let user = {
        use super::protection::{programs, Program};
        wells_board_common::bench::UserBench {
            round_trip: "USR -> SVC -> USR",
            syscall: programs::BENCH_SYSCALL as Program,
            ipc_client: programs::BENCH_IPC_CLIENT,
            ipc_server: programs::BENCH_IPC_SERVER,
        }
    };
    wells_board_common::bench::run(board, &user)
}

/// The kernel fault image. Cortex-A15: a kernel stack overflow
/// (`wells_board_common::test::stack_overflow`) must be reported as the guard page hit.
#[cfg(feature = "qemu-virt")]
pub fn kernel_fault(board: &Board) -> i32 {
    test::stack_overflow::run(board)
}

/// The kernel fault image. Cortex-R52: a kernel thread writes to the bottom of RAM, below the
/// image, which no MPU region covers — the kernel too is held to its least-rights map; the run
/// must end with the fault reported.
#[cfg(feature = "mps3-an536")]
pub fn kernel_fault(board: &Board) -> i32 {
    use wells_board_common::{println, Platform};
    let k = board.new_kernel();
    let thread = k
        .thread_create("bad", 5, 0, alloc::boxed::Box::new(|| {
            let below_image = crate::facts::RAM_BASE;
            println!(Board, "kernel thread: writing to {below_image:#x} (in no MPU region)");
            // SAFETY: none; this write is meant to fault.
            unsafe { core::ptr::write_volatile(core::hint::black_box(below_image) as *mut u32, 1) };
            let _ = Board::kernel();
            0
        }))
        .expect("create");
    k.thread_start(thread).expect("start");
    let _ = k.run();
    println!(Board, "KERNEL FAULT NOT REPORTED");
    0
}
