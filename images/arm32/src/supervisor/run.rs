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
/// With feature `trace`, the known scenario of `wells_board_common::trace::scenario` runs first,
/// and each run prints its trace (also on the Cortex-R52).
#[cfg(feature = "qemu-virt")]
pub fn demo(board: &Board) -> i32 {
    let scenario = scenario(board);
    #[cfg(feature = "user")]
    let demo = wells_board_common::demo::tasks(board, &super::system::SYSTEM);
    #[cfg(not(feature = "user"))]
    let demo = wells_board_common::demo::threads(board);
    scenario + demo
}

/// The demo on the Cortex-R52 (`wells_board_common::demo`): the tasks of the system this image
/// was built for (`system::SYSTEM`, by default `systems/r52-tasks.toml`: a sensor, a filter and
/// a logger task at EL0, each isolated by the EL1 MPU).
#[cfg(feature = "mps3-an536")]
pub fn demo(board: &Board) -> i32 {
    let scenario = scenario(board);
    scenario + wells_board_common::demo::tasks(board, &super::system::SYSTEM)
}

/// The traced scenario (feature `trace`), else nothing.
fn scenario(board: &Board) -> i32 {
    if cfg!(feature = "trace") {
        wells_board_common::trace::scenario::run(board)
    } else {
        0
    }
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

/// The SMP bring-up image on the Cortex-A15 (`wells-smp-test`, booted with `-smp 2` under
/// multi-threaded TCG): every other CPU started through PSCI and checked (`super::smp`).
#[cfg(feature = "qemu-virt")]
pub fn smp_test(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_mode);
    wells_board_common::println!(Board, "smp test: {}", if passed { "PASS" } else { "FAIL" });
    if passed { 0 } else { 1 }
}

/// The SMP kernel image on the Cortex-A15 (`wells-smp-kernel-test`, feature `smp`): both CPUs
/// brought up, then one kernel runs threads on both (`wells_board_common::smp_kernel`, the
/// workloads arm64 runs) and, with the user programs, user tasks on both.
#[cfg(all(feature = "smp", feature = "qemu-virt"))]
pub fn smp_kernel_test(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_mode)
        && wells_board_common::smp_kernel::run(board, &crate::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up(), smp_user_tasks);
    wells_board_common::println!(Board, "smp kernel test: {}", if passed { "PASS" } else { "FAIL" });
    if passed { 0 } else { 1 }
}

/// With user programs (feature `user`, as xtask builds the SMP kernel test): user tasks in USR
/// mode on every CPU (`wells_board_common::smp_kernel::user_tasks`). Without them there are
/// none to run.
#[cfg(all(feature = "smp", feature = "qemu-virt", feature = "user"))]
fn smp_user_tasks(kernel: &super::BoardKernel, cpus: usize) -> bool {
    wells_board_common::smp_kernel::user_tasks::run::<Board>(kernel, cpus, &super::apps::a32::TESTS)
}

#[cfg(all(feature = "smp", feature = "qemu-virt", not(feature = "user")))]
fn smp_user_tasks(_kernel: &super::BoardKernel, _cpus: usize) -> bool {
    true
}

/// The demo of `cargo xtask run --cpus N --board qemu-virt-arm32` (`wells-smp-demo`, feature
/// `smp`): threads spread over every CPU, each CPU's share of the work printed (arm64's demo).
#[cfg(all(feature = "smp", feature = "qemu-virt"))]
pub fn smp_demo(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_mode)
        && wells_board_common::smp_kernel::demo(board, &crate::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    if passed { 0 } else { 1 }
}

/// The SMP stress image on the Cortex-A15 (`wells-smp-stress`, feature `smp`): both CPUs
/// brought up, then a million checked cross-core operations on one kernel, after the check that
/// each CPU's instruction counter is its own (`wells_board_common::smp_kernel::million`).
#[cfg(all(feature = "smp", feature = "qemu-virt"))]
pub fn smp_stress(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_mode)
        && wells_board_common::smp_kernel::million::run(board, &crate::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    wells_board_common::println!(Board, "smp stress: {}", if passed { "PASS" } else { "FAIL" });
    if passed { 0 } else { 1 }
}

/// The SMP latency bench image on the Cortex-A15 (`wells-smp-bench`, feature `smp`; 2 CPUs
/// under `-icount`): both CPUs brought up, then `wells_board_common::smp_kernel::bench::latencies`.
#[cfg(all(feature = "smp", feature = "qemu-virt"))]
pub fn smp_bench(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_mode)
        && wells_board_common::smp_kernel::bench::latencies(board, &crate::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    if passed { 0 } else { 1 }
}

/// The SMP scaling bench image on the Cortex-A15 (`wells-smp-scaling`, feature `smp`; 2 CPUs,
/// multi-threaded TCG): both CPUs brought up, then `wells_board_common::smp_kernel::bench::scaling`.
#[cfg(all(feature = "smp", feature = "qemu-virt"))]
pub fn smp_scaling(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_mode)
        && wells_board_common::smp_kernel::bench::scaling(board, &crate::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    if passed { 0 } else { 1 }
}

/// The SMP kernel-fault image on the Cortex-A15 (`wells-smp-kernel-fault`, booted with `-smp 2`):
/// the CPUs are brought up, then CPU 1 reads an address the kernel does not map; the report
/// must name that CPU and the run end with the kernel-fault status (101).
#[cfg(feature = "qemu-virt")]
pub fn smp_kernel_fault(board: &Board) -> i32 {
    if !super::smp::bring_up(board.entry_mode) {
        return 1;
    }
    let last = super::smp::cpus_up() - 1;
    if last == 0 {
        wells_board_common::println!(Board, "smp kernel fault: needs a second CPU");
        return 1;
    }
    super::smp::kernel_fault_on(last);
    // The faulting CPU ends the run; this one waits for that.
    loop {
        wells_core::arch::arm::wait_for_interrupt();
    }
}
