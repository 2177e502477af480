//! What each binary of a supervisor image runs.

use super::Board;
use wells_board_common::{demo, test};
#[cfg(feature = "smp")]
use wells_board_common::smp_kernel;

/// The test image: the shared in-kernel test runner (`wells_board_common::test`) with the
/// kernel-thread tests, plus the user-task scenarios for 64-bit tasks (feature `user`) and for
/// 32-bit tasks beside them (feature `user32`); with feature `fuzz` the system-call fuzzers
/// instead (`soak`: 1 000 000 calls each instead of 100 000).
pub fn test(board: &Board) -> i32 {
    #[cfg_attr(not(feature = "user"), allow(unused_mut))]
    let mut user = alloc::vec::Vec::new();
    #[cfg(feature = "fuzz")]
    {
        use super::apps::a64;
        let calls = if cfg!(feature = "soak") { test::fuzz::SOAK_CALLS } else { test::fuzz::CALLS };
        user.push(test::fuzz::test("user_syscall_fuzz", a64::SYSCALL_FUZZ, a64::SPINNER, calls));
        #[cfg(feature = "user32")]
        {
            use super::apps::a32;
            user.push(test::fuzz::test("user32_syscall_fuzz", a32::SYSCALL_FUZZ, a32::SPINNER, calls));
        }
    }
    #[cfg(all(feature = "user", not(feature = "fuzz")))]
    {
        use super::apps::a64;
        user.extend(test::user::mmu_tests(a64::TESTS, a64::TRANSACTIONS));
        user.push(test::user::handle_table_test(a64::HANDLE_FILLER));
        #[cfg(feature = "user32")]
        user.extend(test::user::second_set_tests(a64::TESTS, super::apps::a32::TESTS));
    }
    test::run(board, user)
}

/// The demo. With user tasks (feature `user32`, what `cargo xtask run` builds): the tasks of the
/// system this image was built for (`system::SYSTEM`, by default `systems/arm64-tasks.toml`: a
/// 64-bit sensor task and a 64-bit filter task pass readings and averages through ports to a
/// 32-bit logger task). Without them the pipeline runs as kernel threads.
/// With feature `trace`, the known scenario of `wells_board_common::trace::scenario` runs first,
/// and each run prints its trace.
pub fn demo(board: &Board) -> i32 {
    let scenario = if cfg!(feature = "trace") { wells_board_common::trace::scenario::run(board) } else { 0 };
    // The full stack's guest: PSCI through the hypervisor to the monitor first; its client task
    // then calls the secure service and measures the calls (so it may read the cycle counter).
    #[cfg(feature = "full-stack-guest")]
    let scenario = scenario + super::full_stack_guest::check_psci() as i32;
    #[cfg(feature = "user32")]
    let demo = demo::tasks(board, &super::system::SYSTEM);
    #[cfg(not(feature = "user32"))]
    let demo = demo::threads(board);
    scenario + demo
}

/// The benchmark image (`wells_board_common::bench`), counting instructions with PMCCNTR_EL0
/// under `-icount`.
#[cfg(feature = "bench")]
pub fn bench(board: &Board) -> i32 {
    use super::apps::a64;
    let user = wells_board_common::bench::UserBench {
        round_trip: "EL0 -> EL1 -> EL0",
        syscall: a64::BENCH_SYSCALL,
        ipc_client: a64::BENCH_IPC_CLIENT,
        ipc_server: a64::BENCH_IPC_SERVER,
    };
    wells_board_common::bench::run(board, &user)
}

/// The SMP bring-up image (`wells-smp-test`, booted with `-smp 2` and `-smp 4` under
/// multi-threaded TCG): every other CPU started through PSCI and checked (`super::smp`).
pub fn smp_test(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_el);
    wells_board_common::println!(Board, "smp test: {}", if passed { "PASS" } else { "FAIL" });
    if passed { 0 } else { 1 }
}

/// The SMP kernel image (`wells-smp-kernel-test`, feature `smp`): the CPUs brought up, then
/// one kernel runs threads on all of them (`wells_board_common::smp_kernel`).
#[cfg(feature = "smp")]
pub fn smp_kernel_test(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_el) && wells_board_common::smp_kernel::run(board, &super::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up(), |kernel, cpus| {
        super::smp_remote::run(kernel, cpus) & smp_user_tasks(kernel, cpus)
    });
    wells_board_common::println!(Board, "smp kernel test: {}", if passed { "PASS" } else { "FAIL" });
    if passed { 0 } else { 1 }
}

/// With user programs (feature `user`, as xtask builds the SMP kernel test): user tasks on
/// every CPU (`wells_board_common::smp_kernel::user_tasks`). Without them there are none to run.
#[cfg(all(feature = "smp", feature = "user"))]
fn smp_user_tasks(kernel: &super::BoardKernel, cpus: usize) -> bool {
    wells_board_common::smp_kernel::user_tasks::run::<Board>(kernel, cpus, &super::apps::a64::TESTS)
}

#[cfg(all(feature = "smp", not(feature = "user")))]
fn smp_user_tasks(_kernel: &super::BoardKernel, _cpus: usize) -> bool {
    true
}

/// The SMP stress image (`wells-smp-stress`, feature `smp`): the CPUs brought up, then a
/// million checked cross-core operations on one kernel (`wells_board_common::smp_kernel::million`).
#[cfg(feature = "smp")]
pub fn smp_stress(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_el) && smp_kernel::million::run(board, &super::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    wells_board_common::println!(Board, "smp stress: {}", if passed { "PASS" } else { "FAIL" });
    if passed { 0 } else { 1 }
}

/// The SMP latency bench image (`wells-smp-bench`, feature `smp`; 2 CPUs under `-icount`):
/// the CPUs brought up, then `wells_board_common::smp_kernel::bench::latencies`.
#[cfg(feature = "smp")]
pub fn smp_bench(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_el) && smp_kernel::bench::latencies(board, &super::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    if passed { 0 } else { 1 }
}

/// The SMP scaling bench image (`wells-smp-scaling`, feature `smp`; 4 CPUs, multi-threaded
/// TCG): the CPUs brought up, then `wells_board_common::smp_kernel::bench::scaling`.
#[cfg(feature = "smp")]
pub fn smp_scaling(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_el) && smp_kernel::bench::scaling(board, &super::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    if passed { 0 } else { 1 }
}

/// The demo of `cargo xtask run --cpus N` (`wells-smp-demo`, feature `smp`): threads spread
/// over every CPU, each CPU's share of the work printed.
#[cfg(feature = "smp")]
pub fn smp_demo(board: &Board) -> i32 {
    let passed = super::smp::bring_up(board.entry_el) && wells_board_common::smp_kernel::demo(board, &super::board::GIC, super::board::VIRTUAL_TIMER, super::smp::cpus_up());
    if passed { 0 } else { 1 }
}

/// The SMP kernel-fault image (`wells-smp-kernel-fault`, booted with `-smp 4`): the CPUs are
/// brought up, then the last one takes a kernel fault, which must be reported as on one CPU
/// (status 101).
pub fn smp_kernel_fault(board: &Board) -> i32 {
    if !super::smp::bring_up(board.entry_el) {
        return 1;
    }
    let last = super::smp::cpus_up() - 1;
    if last == 0 {
        wells_board_common::println!(Board, "smp kernel fault: needs a second CPU");
        return 1;
    }
    super::smp::kernel_fault_on(last);
    // The faulting CPU ends the run; the boot CPU waits for it.
    loop {
        wells_core::arch::aarch64::wait_for_interrupt();
    }
}

/// The kernel stack overflow image (`wells_board_common::test::stack_overflow`): the board must
/// report the guard page hit and end the run with status 101.
pub fn kernel_fault(board: &Board) -> i32 {
    test::stack_overflow::run(board)
}

/// The normal world's test of the wells monitor above it (`wells-smc-test`, run with the
/// monitor image as QEMU's `-bios`): SMCCC and PSCI answers and 10 000 random SMCs from EL1
/// (`wells_board_common::monitor::smc_test`), after the same from EL2 (`smc_test_at_entry`).
/// Passing, it says so and ends with PSCI SYSTEM_OFF through the monitor, which powers QEMU off
/// (status 0); failing, it ends through semihosting with status 1. Not entered at EL2 (so not
/// by the monitor) it refuses to run.
pub fn smc_test(board: &Board) -> i32 {
    use wells_board_common::{monitor::smc_test, Console};
    use wells_core::arch::aarch64::smc;
    let mut out = Console::<Board>::new();
    if board.entry_el != 2 {
        wells_board_common::println!(Board, "smc test: needs the wells monitor to enter it at EL2, but it was entered at EL{}", board.entry_el);
        return 1;
    }
    if smc_test::run(smc::call, &mut out, wells_core::arch::aarch64::current_el()) && cpu_suspend_standby() {
        wells_board_common::println!(Board, "smc test: PASS; PSCI SYSTEM_OFF through the monitor");
        smc::system_off()
    }
    wells_board_common::println!(Board, "smc test: FAIL");
    1
}

/// PSCI CPU_SUSPEND to standby from EL1, interrupts masked, with the virtual timer set 1 ms
/// ahead: the call must return SUCCESS, woken by the timer's interrupt (pending, though masked)
/// or earlier by the secure tick when there is a secure world; without one, no sooner than the
/// timer. Prints `ok` or `not ok`.
fn cpu_suspend_standby() -> bool {
    use wells_core::arch::aarch64::{counter, smc, virtual_timer_arm, virtual_timer_cancel};
    use wells_core::arch::monitor::psci;
    let secure_world = {
        let mut probe = [0u64; 18];
        probe[0] = 0xf000_0000;
        smc::call(&mut probe);
        probe[0] == 0
    };
    let were_enabled = wells_board_common::irq_save::<Board>();
    let (start, frequency) = counter();
    let one_ms = frequency / 1000;
    virtual_timer_arm(start + one_ms);
    let result = smc::call3(psci::CPU_SUSPEND, psci::STANDBY, 0, 0);
    let waited = counter().0 - start;
    virtual_timer_cancel();
    wells_board_common::irq_restore::<Board>(were_enabled);
    let woke_right = if secure_world { waited > 0 } else { waited >= one_ms };
    if result == psci::SUCCESS && woke_right {
        wells_board_common::println!(Board, "ok - smc CPU_SUSPEND(standby) = 0x0 after {waited} counts (the timer set {one_ms} ahead{})", if secure_world { ", or the secure tick" } else { "" });
        true
    } else {
        wells_board_common::println!(Board, "not ok - smc CPU_SUSPEND(standby) = {result} after {waited} counts (timer {one_ms} ahead)");
        false
    }
}

/// The SMC test at EL2, where the monitor entered this image, before it drops to EL1 (MMU off,
/// the console not yet set up by the supervisor). A failure ends the run with status 1.
#[cfg(feature = "smc-test")]
pub(crate) fn smc_test_at_entry() {
    use wells_board_common::{monitor::smc_test, Console};
    super::board::UART.init();
    if !smc_test::run(wells_core::arch::aarch64::smc::call, &mut Console::<Board>::new(), 2) {
        wells_board_common::println!(Board, "smc test: FAIL at EL2");
        crate::exit::exit(1)
    }
}

/// The secure world (`wells-secure-world`, packed into the monitor's flash and entered at secure
/// EL1): the tasks of `systems/arm64-secure.toml`, the secure service among them.
#[cfg(feature = "secure-world")]
pub fn secure_world(board: &Board) -> i32 {
    wells_board_common::monitor::secure_world::run(board, &super::system::SYSTEM)
}

/// The normal world's test of the secure world (`wells-secure-test`): its client task calls the
/// secure service; passing, it ends with PSCI SYSTEM_OFF through the monitor (status 0).
#[cfg(feature = "secure-test")]
pub fn secure_test(board: &Board) -> i32 {
    use super::apps::a64;
    use wells_board_common::monitor::secure_test::{self, SecureTest};
    /// Where the peek task finds the secure DRAM mapped: below its code, clear of its stacks.
    const PEEK_ADDRESS: usize = 0x7000_0000;
    let test = SecureTest { peek: a64::SECURE_PEEK, client: a64::SECURE_CLIENT, peek_fault_code: -1000 - 0x24, peek_address: PEEK_ADDRESS };
    let map_secure = |domain| {
        let _ = super::tasks::TASKS.with_task(domain, |task| {
            task.space.map_foreign_for_test(PEEK_ADDRESS, crate::facts::SECURE_DRAM_BASE, 4096);
            Ok(())
        });
    };
    smc_round_trip_bench();
    if secure_test::run(board, &test, map_secure) {
        wells_board_common::println!(Board, "secure test: PASS");
        0
    } else {
        wells_board_common::println!(Board, "secure test: FAIL");
        1
    }
}

/// The SMC round trip from EL1 (SMCCC_VERSION: EL1 -> EL3 -> EL1), the fewest instructions over
/// some runs (the PMU cycle counter under `-icount`); it also lets the tasks read the counter.
#[cfg(feature = "secure-test")]
fn smc_round_trip_bench() {
    use wells_core::arch::aarch64::{cycle_counter_start, cycles, smc};
    cycle_counter_start();
    let fewest = (0..16)
        .map(|_| {
            let start = cycles();
            smc::call3(wells_core::arch::monitor::smccc::SMCCC_VERSION, 0, 0, 0);
            cycles() - start
        })
        .min()
        .unwrap_or(0);
    wells_board_common::println!(Board, "bench: SMC round trip EL1 -> EL3 -> EL1 (SMCCC_VERSION): {fewest} instructions");
}
