//! User tasks (EL0) on every CPU of one kernel (issue 18, `docs/core.md` "Several CPUs"). Each
//! task's first thread is pinned to one CPU before it starts (`supervisor::spawn_pinned`); the
//! trap handler notes, per CPU, the domains whose system calls and faults it took
//! ([`note_trap`]), so where each task ran is what the CPUs saw, not what was asked for:
//!
//! - *Every CPU*: a `hello` task pinned to each CPU must end with 0, its traps taken on its CPU
//!   only; beside them a `syscall-test` task on each CPU (its own port; its argument is the
//!   CPU set it was pinned to, which its affinity checks expect; the threads it makes may run
//!   anywhere) must pass all its checks (exit 0).
//! - *A fault contained*: `fault-null` pinned to CPU 1 must be stopped for its data abort while
//!   `ping` and `pong`, pinned to CPU 0, run their 100 round trips to their normal end; each
//!   task's traps taken on its own CPU only.

use super::apps::a64;
use super::board::{Board, BoardKernel};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use wells_board_common::smp_kernel::wait_present;
use wells_board_common::supervisor::{spawn_pinned, Started, TaskSpec};
use wells_board_common::test::user::{stopped, LONGEST_NAME};
use wells_board_common::{println, Platform};
use wells_core::arch::Arch;
use wells_core::thread::ThreadState;

const PRIORITY: u8 = 8;
/// CPUs whose traps are noted.
const CPUS: usize = 8;
/// Exception class of a data abort from EL0: `fault-null` is stopped with [`stopped`] of it.
const DATA_ABORT: i32 = 0x24;

/// Per CPU, bit d: the trap handler took a system call or fault of domain d on that CPU.
static TRAPS_ON: [AtomicU64; CPUS] = [const { AtomicU64::new(0) }; CPUS];

/// Called by the trap handler for each system call or fault of a user task (not for the calls
/// answered on the fast path): notes the caller's domain on this CPU.
pub(crate) fn note_trap() {
    let cpu = wells_core::arch::aarch64::Aarch64.cpu_id();
    let Some(kernel) = Board::slot().get() else { return };
    if let (Some(traps), Ok(domain)) = (TRAPS_ON.get(cpu), kernel.current_domain()) {
        if domain.0 < 64 {
            traps.fetch_or(1 << domain.0, Ordering::Relaxed);
        }
    }
}

/// Runs both checks on every CPU that joined (at least 2); prints `ok`/`not ok` for each;
/// true when both passed.
pub fn run(kernel: &BoardKernel, cpus: usize) -> bool {
    if !(2..=CPUS).contains(&cpus) || !wait_present::<Board>(kernel, cpus) {
        println!(Board, "not ok - smp tasks: need 2 to {CPUS} CPUs in one kernel");
        return false;
    }
    every_cpu(kernel, cpus) & fault_contained(kernel, cpus)
}

/// A task to start: its name, program, argument, grants and CPU; whether all its traps must be taken
/// there (a task with one thread) or only some (one whose later threads may run anywhere).
struct Planned<'a> {
    name: String,
    program: &'static [u8],
    arg: usize,
    grants: &'a [(&'a str, wells_core::Handle)],
    cpu: usize,
    one_thread: bool,
}

/// Starts each task pinned to its CPU, runs the kernel until they all ended, and checks each
/// one's exit code and where its traps were taken. Returns the problems found (none: all fine).
fn run_tasks(kernel: &BoardKernel, cpus: usize, tasks: &[(Planned<'_>, i32)]) -> Vec<String> {
    for traps in &TRAPS_ON {
        traps.store(0, Ordering::Relaxed);
    }
    let mut wrong = Vec::new();
    let mut started: Vec<(&Planned<'_>, Started, i32)> = Vec::new();
    for (task, code) in tasks {
        let spec = TaskSpec { name: &task.name, program: task.program, priority: PRIORITY, arg: task.arg, grants: task.grants, scheduling_advisor: false };
        match spawn_pinned::<Board>(kernel, &spec, 1 << task.cpu) {
            Ok(s) => started.push((task, s, *code)),
            Err(e) => wrong.push(format!("start: {e}")),
        }
    }
    if let Err(e) = kernel.run() {
        wrong.push(format!("run: {e:?}"));
    }
    for (task, s, code) in started {
        match kernel.thread_stats(s.thread) {
            Ok(stats) if stats.state == ThreadState::Exited && stats.exit_code == code => {}
            Ok(stats) => wrong.push(format!("{}: {:?} exit {}, expected exit {code}", task.name, stats.state, stats.exit_code)),
            Err(e) => wrong.push(format!("{}: stats: {e:?}", task.name)),
        }
        let bit = 1u64 << (s.domain.0 % 64);
        let on: Vec<usize> = (0..cpus).filter(|&cpu| TRAPS_ON[cpu].load(Ordering::Relaxed) & bit != 0).collect();
        if task.one_thread && on != [task.cpu] {
            wrong.push(format!("{}: pinned to CPU {}, traps taken on CPUs {on:?}", task.name, task.cpu));
        }
        if !task.one_thread && !on.contains(&task.cpu) {
            wrong.push(format!("{}: its first thread pinned to CPU {}, traps taken on CPUs {on:?}", task.name, task.cpu));
        }
    }
    wrong
}

fn say(wrong: &[String], what: core::fmt::Arguments) -> bool {
    match wrong {
        [] => println!(Board, "ok - smp tasks: {what}"),
        _ => println!(Board, "not ok - smp tasks: {what}: {}", wrong.join("; ")),
    }
    wrong.is_empty()
}

/// A `hello` and a `syscall-test` task on every CPU, all at once.
fn every_cpu(kernel: &BoardKernel, cpus: usize) -> bool {
    let mut ports = Vec::new();
    for _ in 0..cpus {
        match kernel.port_create(16, 4) {
            Ok(port) => ports.push(port),
            Err(e) => return say(&[format!("port: {e:?}")], format_args!("ports")),
        }
    }
    let grants: Vec<[(&str, wells_core::Handle); 2]> = ports.iter().map(|&port| [("loop", port), (LONGEST_NAME, port)]).collect();
    let mut tasks = Vec::new();
    // One port, so one pair of grants, per CPU.
    for (cpu, granted) in grants.iter().enumerate() {
        tasks.push((Planned { name: format!("hello-cpu{cpu}"), program: a64::HELLO, arg: 0, grants: &[], cpu, one_thread: true }, 0));
        tasks.push((Planned { name: format!("syscall-test-cpu{cpu}"), program: a64::SYSCALL_TEST, arg: 1 << cpu, grants: granted, cpu, one_thread: false }, 0));
    }
    let wrong = run_tasks(kernel, cpus, &tasks);
    for port in ports {
        let _ = kernel.port_destroy(port);
    }
    say(
        &wrong,
        format_args!("{cpus} hello tasks, one pinned to each CPU, ended 0 with every trap on their own CPU; {cpus} syscall-test tasks beside them, one started on each CPU, passed"),
    )
}

/// `fault-null` on CPU 1 stopped while `ping` and `pong` on CPU 0 run to their end.
fn fault_contained(kernel: &BoardKernel, cpus: usize) -> bool {
    let (Ok(ping), Ok(pong)) = (kernel.port_create(16, 4), kernel.port_create(16, 4)) else {
        return say(&[String::from("ports")], format_args!("ports"));
    };
    let grants = [("ping", ping), ("pong", pong)];
    let tasks = [
        (Planned { name: String::from("ping"), program: a64::PING, arg: 0, grants: &grants, cpu: 0, one_thread: true }, 0),
        (Planned { name: String::from("pong"), program: a64::PONG, arg: 0, grants: &grants, cpu: 0, one_thread: true }, 0),
        (Planned { name: String::from("fault-null"), program: a64::FAULT_NULL, arg: 0, grants: &[], cpu: 1, one_thread: true }, stopped(DATA_ABORT)),
    ];
    let wrong = run_tasks(kernel, cpus, &tasks);
    let _ = kernel.port_destroy(ping);
    let _ = kernel.port_destroy(pong);
    say(
        &wrong,
        format_args!("fault-null on CPU 1 stopped (exit {}) while ping and pong on CPU 0 ran to their end (exit 0), every trap on its task's CPU", stopped(DATA_ABORT)),
    )
}
