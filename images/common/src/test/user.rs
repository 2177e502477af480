//! The user-task test scenarios: the board's programs run as tasks, each in memory of its own.
//! System calls, IPC between tasks, preemption of a spinning task, faults that stop only the
//! faulting task, a stopped task's objects, transactions between tasks.

use super::{check, spawn, Test, TestResult, MS};
use crate::supervisor::{self, Program, Started, TaskPlatform, TaskSpec, UserSpace};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};
use wells_core::{Handle, Kernel, ThreadState, Timeout};

/// Exit code of a task stopped for exception class (or number) `n`.
pub const fn stopped(n: i32) -> i32 {
    -1000 - n
}

/// A program that must fault, and the exit code that stops it with.
#[derive(Clone, Copy)]
pub struct Fault<P> {
    pub name: &'static str,
    pub program: P,
    pub code: i32,
    /// It gets the address of another task's RAM as its argument (0 otherwise).
    pub victim: bool,
}

impl<P> Fault<P> {
    /// `program` must be stopped for exception class (or number) `n`.
    pub const fn new(name: &'static str, program: P, n: i32) -> Self {
        Fault { name, program, code: stopped(n), victim: false }
    }

    /// The same, with another task's RAM as argument.
    pub const fn against_victim(name: &'static str, program: P, n: i32) -> Self {
        Fault { name, program, code: stopped(n), victim: true }
    }
}

/// The programs of one instruction set the scenarios run.
#[derive(Clone, Copy)]
pub struct Programs<P: 'static> {
    pub hello: P,
    /// What `hello` gets as argument.
    pub hello_arg: usize,
    /// Exercises the system calls; port "loop" is granted.
    pub syscall_test: P,
    /// 100 round trips with `pong` over ports "ping" and "pong".
    pub ping: P,
    pub pong: P,
    /// Spins without system calls.
    pub spinner: P,
    /// Started beside ping/pong, in this order.
    pub faults: &'static [Fault<P>],
}

/// The programs of the transaction scenario: the partner adds its argument to shared object
/// "account" within transaction "deal"; the faulter faults before voting. And the advisor,
/// which loads decision sets through system calls.
#[derive(Clone, Copy)]
pub struct Transactions<P> {
    pub partner: P,
    pub faulter: P,
    pub faulter_code: i32,
    pub advisor: P,
}

/// The five scenarios every board with tasks runs.
pub fn tests<P: TaskPlatform>(programs: Programs<Program<P>>) -> Vec<Test<P>> {
    alloc::vec![
        Test::new("user_hello", move |board| hello(board, &programs, "")),
        Test::new("user_system_calls", move |board| system_calls(board, &programs, "")),
        Test::new("user_ipc_between_tasks", move |board| ipc_between_tasks(board, &programs)),
        Test::new("user_spinning_task_is_preempted", move |board| spinning_task_is_preempted(board, &programs)),
        Test::new("user_faults_are_contained", move |board| faults_are_contained(board, &programs, "")),
        Test::new("user_failed_spawn_leaves_nothing", move |board| failed_spawn_leaves_nothing(board, programs.hello)),
    ]
}

/// A task that cannot start (the object table is full: no thread for it) leaves nothing behind
/// (#23): no domain, no registry entry, no object, no allocation. With room again, the next task
/// starts in the domain slot the refused one gave back, and runs.
fn failed_spawn_leaves_nothing<P: TaskPlatform>(board: &P, program: Program<P>) -> TestResult {
    use wells_core::domain::DomainId;
    use wells_core::kernel::StaticBounds;
    let k = board.new_kernel();
    k.reserve(StaticBounds { objects: 4, threads: 4, held_mutexes: 1 }).map_err(|e| format!("reserve: {e}"))?;
    let mut mutexes = Vec::new();
    for _ in 0..4 {
        mutexes.push(k.mutex_create().map_err(|e| format!("mutex: {e}"))?);
    }
    let tasks_before = P::tasks().with(|tasks| tasks.len());
    let (objects, allocations) = (k.object_count(), board.heap_stats().allocations);
    // Only whether it failed: the message is an allocation of its own.
    let refused = start::<P>(&k, "hello", program, 8, 0, &[]).is_err();
    check(refused, || String::from("a task started with the object table full"))?;
    let tasks_after = P::tasks().with(|tasks| tasks.len());
    check(tasks_after == tasks_before, || format!("{tasks_after} tasks registered after the refusal, {tasks_before} before"))?;
    check(k.domain(DomainId(1)).is_err(), || String::from("the refused task's domain is still there"))?;
    check(k.object_count() == objects, || format!("{} kernel objects after the refusal, {objects} before", k.object_count()))?;
    let now = board.heap_stats().allocations;
    check(now == allocations, || format!("{now} live allocations after the refusal, {allocations} before"))?;
    k.mutex_destroy(mutexes[0]).map_err(|e| format!("mutex_destroy: {e}"))?;
    let task = start::<P>(&k, "hello", program, 8, 0, &[])?;
    check(task.domain == DomainId(1), || format!("the task got domain {}, not the slot given back (1)", task.domain.0))?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("hello", task, 0)])
}

/// The MPU boards' plan: the five; then, where the programs catch what needs the MPU
/// (`isolation`, `fault-owner` among the faults), two instances of `isolation` trying to reach
/// each other and a stopped task's objects; and programs that must be refused (`bad_programs`:
/// garbled copies of `hello`, an ELF image).
pub fn mpu_tests<P: TaskPlatform>(programs: Programs<Program<P>>, hello: &'static [u8]) -> Vec<Test<P>>
where
    P::Space: UserSpace<Program = &'static [u8]>,
{
    let mut all = tests(programs);
    if let Ok(isolation) = fault_program(&programs, "isolation") {
        all.push(Test::new("user_tasks_cannot_reach_each_other", move |board| tasks_cannot_reach_each_other(board, isolation)));
    }
    if let Ok(owner) = fault_program(&programs, "fault-owner") {
        all.push(Test::new("user_stopped_task_leaves_no_waiter_hanging", move |board| stopped_task_leaves_no_waiter_hanging(board, owner)));
    }
    all.push(super::bad_programs::test(hello));
    all
}

/// The MMU boards' plan: transactions first, the five, then two instances of the `isolation`
/// fault program trying to reach each other, then a stopped task's objects.
pub fn mmu_tests<P: TaskPlatform>(programs: Programs<Program<P>>, transactions: Transactions<Program<P>>) -> Vec<Test<P>> {
    let mut all = alloc::vec![Test::new("user_transactions_between_tasks", move |board| {
        transactions_between_tasks(board, &transactions)
    })];
    all.push(Test::new("user_advisor_loads_a_decision_set", move |board| advisor_loads_a_decision_set(board, &transactions)));
    all.extend(tests(programs));
    all.push(Test::new("user_tasks_cannot_reach_each_other", move |board| {
        tasks_cannot_reach_each_other(board, fault_program(&programs, "isolation")?)
    }));
    all.push(Test::new("user_stopped_task_leaves_no_waiter_hanging", move |board| {
        stopped_task_leaves_no_waiter_hanging(board, fault_program(&programs, "fault-owner")?)
    }));
    all
}

/// A task that fills its handle table, then asks for ten more mutexes, semaphores, events and
/// threads: each is refused, none is left behind in the kernel (mutexes used to leak: created,
/// then no handle for them) and no refused thread runs (#23: they were started first); every
/// refused call leaves the kernel, the heap and the task's table as they were
/// (`supervisor::audit`). When the task ends, its 1024 mutexes go with it (they used to live until
/// the kernel ended).
pub fn handle_table_test<P: TaskPlatform>(filler: Program<P>) -> Test<P> {
    Test::new("user_full_handle_table_leaks_nothing", move |board: &P| {
        let k = board.new_kernel();
        let task = start::<P>(&k, "handle-filler", filler, 8, 0, &[])?;
        let before = k.object_count();
        supervisor::audit::start();
        let ran = k.run();
        let audit = supervisor::audit::finish();
        ran.map_err(|e| format!("run: {e}"))?;
        expect_codes(&k, &[("handle-filler", task, 0)])?;
        let after = k.object_count();
        check(after == before, || format!("{after} kernel objects after the task ended, expected {before} as before it began"))?;
        // 40 refused with the table full (and one odd entry on 64-bit).
        check(audit.compared >= 40 && audit.changed == 0, || format!("{} of {} refused calls changed something", audit.changed, audit.compared))
    })
}

/// AArch32 tasks beside AArch64 ones (`second`, task names ending in "32"): their own system
/// calls, IPC with the first set both ways, contained faults, two that cannot reach each other.
pub fn second_set_tests<P: TaskPlatform>(first: Programs<Program<P>>, second: Programs<Program<P>>) -> Vec<Test<P>> {
    let mut all = alloc::vec![
        Test::new("user32_hello", move |board| hello(board, &second, "32")),
        Test::new("user32_system_calls", move |board| system_calls(board, &second, "32")),
        Test::new("user32_ipc_across_instruction_sets", move |board| ipc_across_sets(board, &first, &second)),
        Test::new("user32_faults_are_contained", move |board| faults_are_contained(board, &second, "32")),
    ];
    all.push(Test::new("user32_tasks_cannot_reach_each_other", move |board| {
        tasks_cannot_reach_each_other(board, fault_program(&second, "isolation")?)
    }));
    all
}

/// The fault program called `name`.
fn fault_program<P: Copy>(programs: &Programs<P>, name: &str) -> Result<Fault<P>, String> {
    programs.faults.iter().find(|fault| fault.name == name).copied().ok_or_else(|| format!("no program '{name}'"))
}

pub(super) fn start<P: TaskPlatform>(
    k: &Kernel<P::Arch>,
    name: &str,
    program: Program<P>,
    priority: u8,
    arg: usize,
    grants: &[(&str, Handle)],
) -> Result<Started, String> {
    supervisor::spawn::<P>(k, &TaskSpec { name, program, priority, arg, grants, scheduling_advisor: false })
}

/// Exit code of a task's first thread after the run.
fn exit_code<A: wells_core::Arch>(k: &Kernel<A>, started: Started) -> Result<i32, String> {
    let stats = k.thread_stats(started.thread).map_err(|e| format!("stats: {e}"))?;
    if stats.state != ThreadState::Exited {
        return Err(format!("thread of {:?} still {:?}", started.domain, stats.state));
    }
    Ok(stats.exit_code)
}

pub(super) fn expect_codes<A: wells_core::Arch, S: AsRef<str>>(k: &Kernel<A>, tasks: &[(S, Started, i32)]) -> TestResult {
    let mut wrong = Vec::new();
    for (name, started, want) in tasks {
        let got = exit_code(k, *started)?;
        if got != *want {
            wrong.push(format!("{}: exit {got}, expected {want}", name.as_ref()));
        }
    }
    check(wrong.is_empty(), || wrong.join("; "))
}

fn hello<P: TaskPlatform>(board: &P, programs: &Programs<Program<P>>, suffix: &str) -> TestResult {
    let k = board.new_kernel();
    let name = format!("hello{suffix}");
    let task = start::<P>(&k, &name, programs.hello, 8, programs.hello_arg, &[])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[(name, task, 0)])
}

/// The longest name a task may open (64 bytes): syscall-test opens it, and is refused the same
/// name with one byte more.
pub const LONGEST_NAME: &str = "loop-named-with-exactly-64-bytes-the-longest-name-tasks-may-open";

fn system_calls<P: TaskPlatform>(board: &P, programs: &Programs<Program<P>>, suffix: &str) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let name = format!("syscall-test{suffix}");
    let task = start::<P>(&k, &name, programs.syscall_test, 8, 0, &[("loop", port), (LONGEST_NAME, port)])?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[(name, task, 0)])
}

fn ipc_between_tasks<P: TaskPlatform>(board: &P, programs: &Programs<Program<P>>) -> TestResult {
    let k = board.new_kernel();
    let ping = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let pong = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let grants = [("ping", ping), ("pong", pong)];
    let a = start::<P>(&k, "ping", programs.ping, 8, 0, &grants)?;
    let b = start::<P>(&k, "pong", programs.pong, 8, 0, &grants)?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("ping", a, 0), ("pong", b, 0)])
}

/// 64-bit ping with 32-bit pong, then 32-bit ping with 64-bit pong, all at once.
fn ipc_across_sets<P: TaskPlatform>(board: &P, first: &Programs<Program<P>>, second: &Programs<Program<P>>) -> TestResult {
    let k = board.new_kernel();
    let mut ports = Vec::new();
    for _ in 0..4 {
        ports.push(k.port_create(16, 4).map_err(|e| format!("port: {e}"))?);
    }
    let one = [("ping", ports[0]), ("pong", ports[1])];
    let two = [("ping", ports[2]), ("pong", ports[3])];
    let a = start::<P>(&k, "ping64", first.ping, 8, 0, &one)?;
    let b = start::<P>(&k, "pong32", second.pong, 8, 0, &one)?;
    let c = start::<P>(&k, "ping32", second.ping, 8, 0, &two)?;
    let d = start::<P>(&k, "pong64", first.pong, 8, 0, &two)?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("ping64", a, 0), ("pong32", b, 0), ("ping32", c, 0), ("pong64", d, 0)])
}

/// A user task spinning without system calls is preempted when a higher-priority kernel
/// thread's sleep ends on the timer; that thread then stops the spinner.
fn spinning_task_is_preempted<P: TaskPlatform>(board: &P, programs: &Programs<Program<P>>) -> TestResult {
    let k = board.new_kernel();
    let spinner = start::<P>(&k, "spinner", programs.spinner, 3, 0, &[])?;
    let live = alloc::sync::Arc::new(AtomicUsize::new(0));
    let l = live.clone();
    spawn::<P>("supervisor", 20, move || {
        P::kernel().sleep_ns(30 * MS).unwrap();
        l.store(P::kernel().domain_live_threads(spinner.domain), Ordering::SeqCst);
        P::kernel().domain_stop(spinner.domain, -5).unwrap();
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let live = live.load(Ordering::SeqCst);
    check(live == 1, || format!("spinner had {live} live threads when the supervisor woke"))?;
    expect_codes(&k, &[("spinner", spinner, -5)])
}

/// Every fault stops only its own task: the ping/pong pair beside them completes.
fn faults_are_contained<P: TaskPlatform>(board: &P, programs: &Programs<Program<P>>, suffix: &str) -> TestResult {
    let k = board.new_kernel();
    let ping = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let pong = k.port_create(16, 4).map_err(|e| format!("port: {e}"))?;
    let grants = [("ping", ping), ("pong", pong)];
    let (ping_name, pong_name) = (format!("ping{suffix}"), format!("pong{suffix}"));
    let a = start::<P>(&k, &ping_name, programs.ping, 8, 0, &grants)?;
    let b = start::<P>(&k, &pong_name, programs.pong, 8, 0, &grants)?;
    let mut expected = Vec::new();
    for fault in programs.faults {
        let arg = match fault.victim {
            true => P::tasks().with_task(a.domain, |task| Ok(task.space.ram())).map_err(|e| format!("task: {e}"))?,
            false => 0,
        };
        let name = format!("{}{suffix}", fault.name);
        let started = start::<P>(&k, &name, fault.program, 8, arg, &[])?;
        expected.push((name, started, fault.code));
    }
    k.run().map_err(|e| format!("run: {e}"))?;
    expected.push((ping_name, a, 0));
    expected.push((pong_name, b, 0));
    expect_codes(&k, &expected)
}

/// Two instances of one program, at the same addresses: the holder publishes the address of its
/// marker, the prober writes there through its own mapping (landing in its own copy) and then
/// faults on the kernel's text; the holder's marker must be unchanged.
fn tasks_cannot_reach_each_other<P: TaskPlatform>(board: &P, isolation: Fault<Program<P>>) -> TestResult {
    let k = board.new_kernel();
    let marker = k.port_create(8, 1).map_err(|e| format!("port: {e}"))?;
    let done = k.port_create(8, 1).map_err(|e| format!("port: {e}"))?;
    let grants = [("marker", marker), ("done", done)];
    let holder = start::<P>(&k, "holder", isolation.program, 8, 1, &grants)?;
    let prober = start::<P>(&k, "prober", isolation.program, 8, 2, &grants)?;
    k.run().map_err(|e| format!("run: {e}"))?;
    expect_codes(&k, &[("holder", holder, 0), ("prober", prober, isolation.code)])
}

/// A task that really faults while a kernel thread waits on a semaphore the task created: the
/// waiter is woken with "destroyed" instead of hanging. The task makes its semaphore and blocks
/// on port "go"; a thread below it then lines the waiter up (above it) and lets the task go on
/// to its fault.
fn stopped_task_leaves_no_waiter_hanging<P: TaskPlatform>(board: &P, owner: Fault<Program<P>>) -> TestResult {
    let k = board.new_kernel();
    let go = k.port_create(8, 1).map_err(|e| format!("port: {e}"))?;
    let task = start::<P>(&k, "fault-owner", owner.program, 8, 1, &[("go", go)])?;
    let outcome = alloc::sync::Arc::new(spin::Mutex::new(None));
    let o = outcome.clone();
    spawn::<P>("driver", 5, move || {
        let created = P::tasks().with_task(task.domain, |task| Ok(task.created.clone())).unwrap_or_default();
        let [semaphore] = created[..] else { return 1 };
        spawn::<P>("waiter", 10, move || {
            *o.lock() = Some(P::kernel().semaphore_wait(semaphore, Timeout::Forever));
            0
        });
        let _ = P::kernel().port_send(go, &[0; 8], Timeout::NoWait);
        0
    });
    k.run().map_err(|e| format!("run: {e}"))?;
    let outcome = *outcome.lock();
    check(outcome == Some(Err(wells_core::Error::Destroyed)), || format!("waiter got {outcome:?}"))?;
    expect_codes(&k, &[("fault-owner", task, owner.code)])
}

/// Two tasks in different address spaces commit one transaction on a shared object; then a
/// task that faults before voting aborts the transaction its partner is in, with nothing
/// applied.
fn transactions_between_tasks<P: TaskPlatform>(board: &P, programs: &Transactions<Program<P>>) -> TestResult {
    use wells_core::txn::{AbortReason, Access, TxnState};
    for (second, expect_commit) in [(programs.partner, true), (programs.faulter, false)] {
        let k = board.new_kernel();
        let account = k.shared_create(8).map_err(|e| format!("shared: {e}"))?;
        k.shared_write(account, &100u64.to_le_bytes()).map_err(|e| format!("write: {e}"))?;
        let deal = k.txn_create(Timeout::Ns(5000 * MS)).map_err(|e| format!("txn: {e}"))?;
        let grants = [("account", account), ("deal", deal)];
        // The second runs below the partner, so only once the partner waits in its vote: the
        // partner's read and write never interleave with the second's, whatever the time slices.
        let a = start::<P>(&k, "partner", programs.partner, 8, 5, &grants)?;
        let b = start::<P>(&k, "second", second, 7, 7, &grants)?;
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
            expect_codes(&k, &[("partner", a, 3), ("faulter", b, programs.faulter_code)])?;
        }
    }
    Ok(())
}

/// A task the system description makes a scheduling advisor gets a malformed set refused, a
/// good one into force, and reads both loads back from the telemetry; a task without that
/// right is denied all three, and no set is in force.
fn advisor_loads_a_decision_set<P: TaskPlatform>(board: &P, programs: &Transactions<Program<P>>) -> TestResult {
    for scheduling_advisor in [true, false] {
        let k = board.new_kernel();
        k.telemetry_enable(256).map_err(|e| format!("telemetry: {e}"))?;
        let spec = TaskSpec { name: "advisor", program: programs.advisor, priority: 8, arg: 0, grants: &[], scheduling_advisor };
        let task = supervisor::spawn::<P>(&k, &spec)?;
        k.run().map_err(|e| format!("run: {e}"))?;
        let (code, rules) = if scheduling_advisor { (0, 1) } else { (1, 0) };
        expect_codes(&k, &[("advisor", task, code)])?;
        check(k.policy_rules() == rules, || format!("advisor: {scheduling_advisor}: {} rules in force", k.policy_rules()))?;
    }
    Ok(())
}
