//! User-task tests: programs built into the image run as unprivileged tasks, each with its own
//! RAM (one MPU region per stack). System calls, IPC between tasks, preemption of a spinning
//! task, and faults that stop only the faulting task. Without the MPU (feature `no-mpu`) the
//! faults that need isolation (NULL, kernel write, stack overflow, another task's RAM) are not
//! caught by hardware, so only the undefined instruction and the bad call are tested there.

use super::{check, spawn, Test, TestResult, MS};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::{Handle, ThreadState};
use wells_qemu_mps2_an385::tasks::{self, programs, Program, Started, TaskSpec};
use wells_qemu_mps2_an385::{kernel, Board, BoardKernel};

/// Exit code of a task stopped by exception `number`.
const fn stopped(number: i32) -> i32 {
    -1000 - number
}
const MEMMANAGE: i32 = 4;
const USAGEFAULT: i32 = 6;
const SVCALL: i32 = 11;

fn start(k: &BoardKernel, name: &'static str, program: Program, priority: u8, arg: usize, ports: &[(&'static str, Handle)]) -> Result<Started, String> {
    tasks::spawn(k, &TaskSpec { name, program, priority, arg, ports }).map_err(|e| format!("task '{name}': {e}"))
}

fn exit_code(k: &BoardKernel, started: Started) -> Result<i32, String> {
    let stats = k.thread_stats(started.thread).map_err(|e| format!("stats: {e}"))?;
    if stats.state != ThreadState::Exited {
        return Err(format!("thread of {:?} still {:?}", started.domain, stats.state));
    }
    Ok(stats.exit_code)
}

fn expect_codes(k: &BoardKernel, tasks: &[(&str, Started, i32)]) -> TestResult {
    let mut wrong = Vec::new();
    for &(name, started, want) in tasks {
        let got = exit_code(k, started)?;
        if got != want {
            wrong.push(format!("{name}: exit {got}, expected {want}"));
        }
    }
    check(wrong.is_empty(), || wrong.join("; "))
}

fn hello(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let task = start(&k, "hello", programs::HELLO, 8, 7, &[])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("hello", task, 0)])
}

fn system_calls(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let task = start(&k, "syscall-test", programs::SYSCALL_TEST, 8, 0, &[("loop", port)])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("syscall-test", task, 0)])
}

fn ipc_between_tasks(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let ping = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let pong = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let grants = [("ping", ping), ("pong", pong)];
    let a = start(&k, "ping", programs::PING, 8, 0, &grants)?;
    let b = start(&k, "pong", programs::PONG, 8, 0, &grants)?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("ping", a, 0), ("pong", b, 0)])
}

/// A task spinning without system calls is preempted when a higher-priority kernel thread's
/// sleep ends; that thread then stops the spinner.
fn spinning_task_is_preempted(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let spinner = start(&k, "spinner", programs::SPINNER, 3, 0, &[])?;
    let live = alloc::sync::Arc::new(core::sync::atomic::AtomicUsize::new(0));
    let l = live.clone();
    spawn("supervisor", 20, move || {
        kernel().sleep_ns(30 * MS).unwrap();
        l.store(kernel().domain_live_threads(spinner.domain), core::sync::atomic::Ordering::SeqCst);
        kernel().domain_stop(spinner.domain, -5).unwrap();
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let live = live.load(core::sync::atomic::Ordering::SeqCst);
    check(live == 1, || format!("spinner had {live} live threads when the supervisor woke"))?;
    expect_codes(&k, &[("spinner", spinner, -5)])
}

/// Every fault stops only its own task: the ping/pong pair beside them completes.
fn faults_are_contained(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let ping = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let pong = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let grants = [("ping", ping), ("pong", pong)];
    let a = start(&k, "ping", programs::PING, 8, 0, &grants)?;
    let b = start(&k, "pong", programs::PONG, 8, 0, &grants)?;
    let victim = tasks::with_task(a.domain, |task| Ok(task.ram())).map_err(|e| format!("task: {e}"))?;
    let mut faulty: Vec<(&'static str, Program, usize, i32)> = alloc::vec![
        ("fault-undefined", programs::FAULT_UNDEFINED, 0, stopped(USAGEFAULT)),
        ("fault-bad-syscall", programs::FAULT_BAD_SYSCALL, 0, stopped(SVCALL)),
    ];
    if tasks::mpu_on() {
        faulty.extend([
            ("fault-null", programs::FAULT_NULL as Program, 0, stopped(MEMMANAGE)),
            ("fault-kernel-write", programs::FAULT_KERNEL_WRITE, 0, stopped(MEMMANAGE)),
            ("fault-stack", programs::FAULT_STACK, 0, stopped(MEMMANAGE)),
            ("isolation", programs::ISOLATION, victim, stopped(MEMMANAGE)),
        ]);
    }
    let mut expected = Vec::new();
    for (name, program, arg, code) in faulty {
        expected.push((name, start(&k, name, program, 8, arg, &[])?, code));
    }
    k.run().map_err(|e| format!("run: {e}"))?;
    expected.push(("ping", a, 0));
    expected.push(("pong", b, 0));
    expect_codes(&k, &expected)
}

pub(crate) const TESTS: &[(&str, Test)] = &[
    ("user_hello", hello),
    ("user_system_calls", system_calls),
    ("user_ipc_between_tasks", ipc_between_tasks),
    ("user_spinning_task_is_preempted", spinning_task_is_preempted),
    ("user_faults_are_contained", faults_are_contained),
];
