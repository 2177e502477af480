//! Transactions across CPUs (issue 18, `docs/core.md` "Transactions"): members of one
//! transaction pinned to different CPUs of one kernel.
//!
//! - *Commit seen whole*: round after round, a member on CPU 0 adds one to shared object A and
//!   a member on CPU 1 adds one to B, in one transaction; a thread on a third CPU (or on CPU 1
//!   beside the member, with two CPUs) reads A, then B, then A again, again and again: when A did
//!   not change around the read of B, B must equal A, or a reader saw half a commit.
//! - *A member ends without its vote* (as a member that faults does): its partner on the other
//!   CPU, waiting in its commit vote, wakes with `Aborted`; neither write is seen.
//! - *Restart*: with the restart policy, the member on CPU 1 votes abort on its first run; both
//!   members start over on their own CPUs and commit on the second.

use super::{run_and_join, spawn_on, wait_present};
use crate::timer_host::GenericTimer;
use crate::println;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use wells_core::arch::Arch;
use wells_core::txn::{AbortPolicy, AbortReason, TxnState};
use wells_core::{Handle, Kernel, Timeout};

/// Transactions committed in the first check, each watched by the reader.
const ROUNDS: u64 = 300;

/// Runs the three checks on the kernel whose CPUs joined (at least 2); prints `ok`/`not ok`
/// for each; true when all passed.
pub fn run<P: GenericTimer>(kernel: &Kernel<P::Arch>, cpus: usize) -> bool {
    if cpus < 2 || !wait_present::<P>(kernel, cpus) {
        println!(P, "not ok - smp transactions: need 2 CPUs in one kernel");
        return false;
    }
    let reader_cpu = if cpus > 2 { 2 } else { 1 };
    commit_seen_whole::<P>(kernel, reader_cpu) & member_ends::<P>(kernel) & restart::<P>(kernel)
}

fn read_u64<P: GenericTimer>(object: Handle) -> Option<u64> {
    let mut bytes = [0u8; 8];
    P::kernel().shared_read(object, &mut bytes).ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// A member of `txn` on this CPU: reads `object` through it, writes one more, votes commit.
fn add_one<P: GenericTimer>(txn: Handle, object: Handle) -> Result<(), wells_core::Error> {
    let k = P::kernel();
    let mut bytes = [0u8; 8];
    k.txn_read(txn, object, &mut bytes)?;
    let value = u64::from_le_bytes(bytes) + 1;
    k.txn_write(txn, object, &value.to_le_bytes())?;
    k.txn_vote(txn, true, Timeout::Forever)
}

/// A transaction with two members not yet started, pinned to CPU 0 and CPU 1, each running
/// `member(cpu)`; `None` when the kernel refused something.
fn two_members<P: GenericTimer>(
    kernel: &Kernel<P::Arch>,
    txn: Handle,
    name: &str,
    member: impl Fn(usize) -> wells_core::thread::Entry,
) -> Option<[Handle; 2]> {
    let mut threads = [Handle::from_raw(0); 2];
    for (cpu, thread) in threads.iter_mut().enumerate() {
        let created = kernel.thread_create(&alloc::format!("{name}{cpu}"), 10, 0, member(cpu)).ok()?;
        kernel.thread_set_affinity(created, 1 << cpu).ok()?;
        kernel.txn_add_member(txn, created).ok()?;
        *thread = created;
    }
    Some(threads)
}

/// Commits [`ROUNDS`] two-member transactions while a reader on `reader_cpu` looks for half of
/// one.
fn commit_seen_whole<P: GenericTimer>(kernel: &Kernel<P::Arch>, reader_cpu: usize) -> bool {
    let (Ok(a), Ok(b)) = (kernel.shared_create(8), kernel.shared_create(8)) else { return false };
    let done = Arc::new(AtomicBool::new(false));
    let (looks, halves) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (finished, seen, torn) = (done.clone(), looks.clone(), halves.clone());
    let reader = spawn_on(kernel, "reader", 1 << reader_cpu, move || {
        while !finished.load(Ordering::Acquire) {
            let (Some(first), Some(other), Some(again)) = (read_u64::<P>(a), read_u64::<P>(b), read_u64::<P>(a)) else { return 1 };
            if first == again {
                seen.fetch_add(1, Ordering::Relaxed);
                torn.fetch_add((other != first) as u64, Ordering::Relaxed);
            }
            let _ = P::kernel().yield_now();
        }
        0
    });
    let failed = Arc::new(AtomicU64::new(0));
    let failures = failed.clone();
    let coordinator = spawn_on(kernel, "coordinator", 1, move || {
        let k = P::kernel();
        for _ in 0..ROUNDS {
            let Ok(txn) = k.txn_create(Timeout::Forever) else { return 1 };
            let Some(members) = two_members::<P>(k, txn, "adder", |cpu| {
                let object = if cpu == 0 { a } else { b };
                Box::new(move || if add_one::<P>(txn, object).is_ok() { 0 } else { 1 })
            }) else {
                return 1;
            };
            for &member in &members {
                if k.thread_start(member).is_err() {
                    return 1;
                }
            }
            for &member in &members {
                if k.thread_join(member, Timeout::Forever) != Ok(0) {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            if k.txn_state(txn) != Ok(TxnState::Committed) || k.txn_destroy(txn).is_err() {
                failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        done.store(true, Ordering::Release);
        0
    });
    let (Some(reader), Some(coordinator)) = (reader, coordinator) else { return false };
    let result = run_and_join(kernel, &[reader, coordinator]);
    let (looks, halves, failed) = (looks.load(Ordering::Relaxed), halves.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    let (final_a, final_b) = (read_u64::<P>(a), read_u64::<P>(b));
    let good = result == Ok(0) && failed == 0 && halves == 0 && looks > 0 && final_a == Some(ROUNDS) && final_b == Some(ROUNDS);
    println!(
        P,
        "{} - smp transactions: {ROUNDS} commits by members on CPUs 0 and 1 (A {final_a:?}, B {final_b:?}, {failed} failed), {looks} looks from CPU {reader_cpu}, {halves} saw half a commit ({result:?})",
        if good { "ok" } else { "not ok" }
    );
    let _ = (kernel.shared_destroy(a), kernel.shared_destroy(b));
    good
}

/// The member on CPU 1 writes and ends without voting once the one on CPU 0 has written; that
/// one, in its vote, must be told `Aborted`, and neither write may remain.
fn member_ends<P: GenericTimer>(kernel: &Kernel<P::Arch>) -> bool {
    let (Ok(a), Ok(b), Ok(txn)) = (kernel.shared_create(8), kernel.shared_create(8), kernel.txn_create(Timeout::Forever)) else { return false };
    let vote = Arc::new(AtomicU32::new(0));
    let answer = vote.clone();
    // Set by the member on CPU 0 once it wrote: the CPUs run the members in parallel, and one
    // ending first would leave the other's write to an aborted transaction, not its vote.
    let written = Arc::new(AtomicBool::new(false));
    let Some(members) = two_members::<P>(kernel, txn, "ender", |cpu| {
        let (answer, written) = (answer.clone(), written.clone());
        Box::new(move || {
            let k = P::kernel();
            let object = if cpu == 0 { a } else { b };
            if k.txn_write(txn, object, &7u64.to_le_bytes()).is_err() {
                return 2;
            }
            if cpu == 1 {
                while !written.load(Ordering::Acquire) {
                    crate::smp_stress::relax();
                }
                // Ends here, vote not cast: what a member that faults does to its transaction.
                return 1;
            }
            written.store(true, Ordering::Release);
            answer.store(if k.txn_vote(txn, true, Timeout::Forever) == Err(wells_core::Error::Aborted) { 1 } else { 2 }, Ordering::Relaxed);
            0
        })
    }) else {
        return false;
    };
    let started = members.iter().all(|&member| kernel.thread_start(member).is_ok());
    let result = run_and_join(kernel, &members);
    let state = kernel.txn_state(txn);
    let (value_a, value_b) = (read_u64::<P>(a), read_u64::<P>(b));
    let good = started
        && result == Ok(1)
        && vote.load(Ordering::Relaxed) == 1
        && state == Ok(TxnState::Aborted(AbortReason::MemberEnded))
        && value_a == Some(0)
        && value_b == Some(0);
    println!(
        P,
        "{} - smp transactions: the member on CPU 1 ended without its vote: the one on CPU 0 was told {} ({state:?}; A {value_a:?}, B {value_b:?})",
        if good { "ok" } else { "not ok" },
        if vote.load(Ordering::Relaxed) == 1 { "Aborted" } else { "something else" }
    );
    let _ = (kernel.txn_destroy(txn), kernel.shared_destroy(a), kernel.shared_destroy(b));
    good
}

/// Restart policy: the member on CPU 1 votes abort on its first run; both start over on their
/// own CPUs and commit the second time.
fn restart<P: GenericTimer>(kernel: &Kernel<P::Arch>) -> bool {
    let (Ok(a), Ok(b), Ok(txn)) = (kernel.shared_create(8), kernel.shared_create(8), kernel.txn_create(Timeout::Forever)) else { return false };
    if kernel.txn_set_policy(txn, AbortPolicy::Restart { max_retries: 3 }).is_err() {
        return false;
    }
    // Per member: runs from its entry, and runs on a CPU other than its own.
    let runs: Arc<[AtomicU32; 2]> = Arc::new([const { AtomicU32::new(0) }; 2]);
    let strays = Arc::new(AtomicU32::new(0));
    let (counted, wrong) = (runs.clone(), strays.clone());
    let Some(members) = two_members::<P>(kernel, txn, "restarted", |cpu| {
        let (counted, wrong) = (counted.clone(), wrong.clone());
        Box::new(move || {
            let run = counted[cpu].fetch_add(1, Ordering::Relaxed);
            if P::cpu().cpu_id() != cpu {
                wrong.fetch_add(1, Ordering::Relaxed);
            }
            let object = if cpu == 0 { a } else { b };
            if cpu == 1 && run == 0 {
                // Once the member on CPU 0 runs: the CPUs start the members in parallel, and an
                // abort before it started would restart it before its first run.
                while counted[0].load(Ordering::Relaxed) == 0 {
                    crate::smp_stress::relax();
                }
                let k = P::kernel();
                let _ = k.txn_write(txn, object, &99u64.to_le_bytes());
                // Restarted from the entry by the abort: this returns only if it was not.
                let _ = k.txn_vote(txn, false, Timeout::Forever);
                return 1;
            }
            if add_one::<P>(txn, object).is_ok() { 0 } else { 1 }
        })
    }) else {
        return false;
    };
    let started = members.iter().all(|&member| kernel.thread_start(member).is_ok());
    let result = run_and_join(kernel, &members);
    let state = kernel.txn_state(txn);
    let runs: Vec<u32> = runs.iter().map(|r| r.load(Ordering::Relaxed)).collect();
    let (value_a, value_b, strays) = (read_u64::<P>(a), read_u64::<P>(b), strays.load(Ordering::Relaxed));
    let good = started && result == Ok(0) && state == Ok(TxnState::Committed) && runs == [2, 2] && strays == 0 && value_a == Some(1) && value_b == Some(1);
    println!(
        P,
        "{} - smp transactions: restart policy: an abort on CPU 1 restarted both members on their own CPUs (runs {runs:?}, {strays} off their CPU), then {state:?} (A {value_a:?}, B {value_b:?}) ({result:?})",
        if good { "ok" } else { "not ok" }
    );
    let _ = (kernel.txn_destroy(txn), kernel.shared_destroy(a), kernel.shared_destroy(b));
    good
}
