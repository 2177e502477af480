//! What each binary of a supervisor image runs, on each board.

use super::Board;
use wells_board_common::test;

/// The test image: the shared in-kernel test runner (`wells_board_common::test`) with the
/// kernel-thread tests, plus (feature `user`) the user-task scenarios: on the Cortex-A15 over the
/// `user/apps` programs in USR mode, on the Cortex-R52 the MPU boards' scenarios over the
/// position-independent `user/apps` programs, at EL0 under the EL1 MPU.
pub fn test(board: &Board) -> i32 {
    #[cfg(all(feature = "user", feature = "qemu-virt"))]
    let user = {
        use super::apps::a32;
        let mut user = test::user::mmu_tests(a32::TESTS, a32::TRANSACTIONS);
        user.push(test::user::handle_table_test(a32::HANDLE_FILLER));
        user
    };
    #[cfg(all(feature = "user", feature = "mps3-an536"))]
    let user = test::user::mpu_tests(super::apps::t32::MPU_TESTS, super::apps::t32::HELLO);
    #[cfg(not(feature = "user"))]
    let user = alloc::vec::Vec::new();
    test::run(board, user)
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
/// then QEMU exits.
#[cfg(feature = "mps3-an536")]
pub fn demo(board: &Board) -> i32 {
    use super::apps::t32;
    use wells_board_common::supervisor::{self as tasks, TaskSpec};
    use wells_board_common::{println, Platform};
    use wells_core::ThreadState;

    const MS: u64 = 1_000_000;

    let k = board.new_kernel();
    let readings = k.port_create(16, 16).expect("port");
    let averages = k.port_create(16, 4).expect("port");
    let grants = [("readings", readings), ("averages", averages)];
    let mut started = alloc::vec::Vec::new();
    for (name, program, priority) in [
        ("sensor", t32::DEMO_SENSOR, 12),
        ("filter", t32::DEMO_FILTER, 10),
        ("logger", t32::DEMO_LOGGER, 8),
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
/// in USR mode (on the Cortex-R52 their position-independent Thumb build, reading the clock).
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
        use super::apps::t32;
        wells_board_common::bench::UserBench {
            round_trip: "USR -> SVC -> USR",
            syscall: t32::BENCH_SYSCALL,
            ipc_client: t32::BENCH_IPC_CLIENT,
            ipc_server: t32::BENCH_IPC_SERVER,
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
