//! User-task tests: the `armv7a-none-eabi` programs from `user/apps` loaded as tasks in USR
//! mode, each in its own address space (TTBR0 + ASID). System calls, IPC between tasks, preemption of a spinning task, and faults that stop
//! only the faulting task.

use super::{check, spawn, Test, TestResult, MS};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::{Handle, ThreadState, Timeout};
use wells_qemu_virt_arm32::apps::a32;
use wells_qemu_virt_arm32::tasks::{self, Started, TaskSpec};
use wells_qemu_virt_arm32::{kernel, Board, BoardKernel};

/// Exit code of a task stopped for exception class `class`.
const fn stopped(class: i32) -> i32 {
    -1000 - class
}
use wells_qemu_virt_arm32::trap::class::{DATA_ABORT, SVC32 as SVC, UNDEFINED};

fn start(k: &BoardKernel, name: &str, elf: &[u8], priority: u8, ports: &[(&str, Handle)]) -> Result<Started, String> {
    tasks::spawn(k, &TaskSpec { name, elf, priority, arg: 0, ports })
}

/// Exit code of a task's first thread after the run.
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
    let task = start(&k, "hello", a32::HELLO, 8, &[])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("hello", task, 0)])
}

fn system_calls(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let task = start(&k, "syscall-test", a32::SYSCALL_TEST, 8, &[("loop", port)])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("syscall-test", task, 0)])
}

fn ipc_between_tasks(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let ping = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let pong = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let grants = [("ping", ping), ("pong", pong)];
    let a = start(&k, "ping", a32::PING, 8, &grants)?;
    let b = start(&k, "pong", a32::PONG, 8, &grants)?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("ping", a, 0), ("pong", b, 0)])
}

/// A user task spinning in USR mode without system calls is preempted when a higher-priority
/// kernel thread's sleep ends on the timer; that thread then stops the spinner.
fn spinning_task_is_preempted(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let spinner = start(&k, "spinner", a32::SPINNER, 3, &[])?;
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
    let a = start(&k, "ping", a32::PING, 8, &grants)?;
    let b = start(&k, "pong", a32::PONG, 8, &grants)?;
    let faulty = [
        ("fault-null", a32::FAULT_NULL, stopped(DATA_ABORT)),
        ("fault-kernel-write", a32::FAULT_KERNEL_WRITE, stopped(DATA_ABORT)),
        ("fault-undefined", a32::FAULT_UNDEFINED, stopped(UNDEFINED)),
        ("fault-stack", a32::FAULT_STACK, stopped(DATA_ABORT)),
        ("fault-bad-syscall", a32::FAULT_BAD_SYSCALL, stopped(SVC)),
        ("isolation", a32::ISOLATION, stopped(DATA_ABORT)),
    ];
    let mut expected = Vec::new();
    for (name, elf, code) in faulty {
        expected.push((name, start(&k, name, elf, 8, &[])?, code));
    }
    k.run().map_err(|e| format!("run: {e}"))?;
    expected.push(("ping", a, 0));
    expected.push(("pong", b, 0));
    expect_codes(&k, &expected)
}

/// A task that faults while another task waits on a semaphore it owns: the waiter is woken
/// with "destroyed" instead of hanging. (Covered through the kernel here: the object is
/// created on the task's behalf the way `sem_create` does.)
fn stopped_task_leaves_no_waiter_hanging(board: &Board) -> TestResult {
    let k = board.new_kernel();
    let victim = start(&k, "spinner", a32::SPINNER, 3, &[])?;
    let sem = k.semaphore_create(0, 1).map_err(|e| format!("sem: {e}"))?;
    tasks::with_task(victim.domain, |task| {
        task.created.push(sem);
        Ok(())
    })
    .map_err(|e| format!("task: {e}"))?;
    let outcome = alloc::sync::Arc::new(spin::Mutex::new(None));
    let o = outcome.clone();
    spawn("waiter", 10, move || {
        *o.lock() = Some(kernel().semaphore_wait(sem, Timeout::Forever));
        0
    });
    spawn("stopper", 20, move || {
        kernel().sleep_ns(10 * MS).unwrap();
        // What a fault does: destroy the task's objects, then stop it.
        let created = tasks::with_task(victim.domain, |task| Ok(core::mem::take(&mut task.created))).unwrap();
        for object in created {
            let _ = kernel().semaphore_destroy(object);
        }
        kernel().domain_stop(victim.domain, -1).unwrap();
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let outcome = *outcome.lock();
    check(outcome == Some(Err(wells_core::Error::Destroyed)), || format!("waiter got {outcome:?}"))
}

/// Two tasks in different address spaces commit one transaction on a shared object; then a
/// task that faults before voting aborts the transaction its partner is in, with nothing
/// applied.
fn transactions_between_tasks(board: &Board) -> TestResult {
    use wells_core::txn::{AbortReason, Access, TxnState};
    for (partner_elf, second, expect_commit) in [(a32::TXN_PARTNER, a32::TXN_PARTNER, true), (a32::TXN_PARTNER, a32::TXN_FAULTER, false)] {
        let k = board.new_kernel();
        let account = k.shared_create(8).map_err(|e| format!("shared: {e}"))?;
        k.shared_write(account, &100u64.to_le_bytes()).map_err(|e| format!("write: {e}"))?;
        let deal = k.txn_create(Timeout::Ns(5000 * MS)).map_err(|e| format!("txn: {e}"))?;
        let grants = [("account", account), ("deal", deal)];
        let a = tasks::spawn(&k, &TaskSpec { name: "partner", elf: partner_elf, priority: 8, arg: 5, ports: &grants })?;
        let b = tasks::spawn(&k, &TaskSpec { name: "second", elf: second, priority: 8, arg: 7, ports: &grants })?;
        for task in [a, b] {
            k.shared_grant(account, task.domain, Access::ReadWrite).map_err(|e| format!("grant: {e}"))?;
            k.txn_add_member(deal, task.thread).map_err(|e| format!("member: {e}"))?;
        }
        k.run().map_err(|e| format!("run: {e}"))?;
        let mut value = [0u8; 8];
        k.shared_read(account, &mut value).map_err(|e| format!("read: {e}"))?;
        let (value, state) = (u64::from_le_bytes(value), k.txn_state(deal).map_err(|e| format!("state: {e}"))?);
        if expect_commit {
            // Members share the transaction's buffered writes: the second reads the first's
            // 105 and adds 7; both land at once.
            check(state == TxnState::Committed && value == 112, || format!("commit: state {state:?}, value {value}"))?;
            expect_codes(&k, &[("partner", a, 0), ("second", b, 0)])?;
        } else {
            check(state == TxnState::Aborted(AbortReason::MemberEnded) && value == 100, || {
                format!("faulting member: state {state:?}, value {value}")
            })?;
            expect_codes(&k, &[("partner", a, 3), ("faulter", b, stopped(DATA_ABORT))])?;
        }
    }
    Ok(())
}

pub(crate) const TESTS: &[(&str, Test)] = &[
    ("user_transactions_between_tasks", transactions_between_tasks),
    ("user_hello", hello),
    ("user_system_calls", system_calls),
    ("user_ipc_between_tasks", ipc_between_tasks),
    ("user_spinning_task_is_preempted", spinning_task_is_preempted),
    ("user_faults_are_contained", faults_are_contained),
    ("user_stopped_task_leaves_no_waiter_hanging", stopped_task_leaves_no_waiter_hanging),
];
