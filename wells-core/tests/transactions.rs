//! Transactions on shared objects: conflicts, atomic visibility, aborts of every kind, access.
// Needs the whole kernel: a small configuration answers these calls with NotSupported
// (tests/small_configuration.rs).
#![cfg(all(feature = "transactions", feature = "decision-sets", feature = "telemetry"))]

mod common;
use common::{Log, World, MS};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wells_core::domain::DomainKind;
use wells_core::txn::{AbortReason, Access, TxnState};
use wells_core::{Error, Timeout};

fn value(k: &common::K, object: wells_core::Handle) -> u64 {
    let mut buf = [0u8; 8];
    k.shared_read(object, &mut buf).unwrap();
    u64::from_le_bytes(buf)
}

#[test]
fn two_transactions_writing_one_object_exactly_one_commits() {
    let world = World::new();
    let k = world.kernel;
    let object = k.shared_create(8).unwrap();
    let log = Log::default();
    for (name, v) in [("first", 1u64), ("second", 2)] {
        let l = log.clone();
        world.spawn(name, 5, move || {
            let txn = k.txn_create(Timeout::Forever).unwrap();
            k.txn_join(txn).unwrap();
            k.txn_write(txn, object, &v.to_le_bytes()).unwrap();
            k.yield_now().unwrap(); // let the other write too before either votes
            let outcome = k.txn_vote(txn, true, Timeout::Forever);
            l.push(format!("{name} {outcome:?} {:?}", k.txn_state(txn).unwrap()));
            0
        });
    }
    world.run().unwrap();
    let entries = log.take();
    assert_eq!(entries.len(), 2);
    let committed: Vec<&String> = entries.iter().filter(|e| e.contains("Ok(())")).collect();
    assert_eq!(committed.len(), 1, "{entries:?}");
    let loser = entries.iter().find(|e| !e.contains("Ok(())")).unwrap();
    assert!(loser.contains("Err(Aborted) Aborted(Conflict("), "{loser}");
    let winner_value = if committed[0].starts_with("first") { 1 } else { 2 };
    assert_eq!(value(k, object), winner_value);
}

/// Commits write two objects with the same number; a reader reading both through its own
/// transaction never sees a mix (a commit between its reads makes its own transaction abort).
#[test]
fn a_reader_never_sees_part_of_a_commit() {
    let world = World::new();
    let k = world.kernel;
    let (a, b) = (k.shared_create(8).unwrap(), k.shared_create(8).unwrap());
    let w = World { kernel: k, clock: world.clock.clone() };
    world.spawn("writer", 5, move || {
        for n in 1..=200u64 {
            let txn = k.txn_create(Timeout::Forever).unwrap();
            k.txn_join(txn).unwrap();
            k.txn_write(txn, a, &n.to_le_bytes()).unwrap();
            w.tick_after(MS / 3); // a tick may switch to the reader mid-transaction
            k.txn_write(txn, b, &n.to_le_bytes()).unwrap();
            k.txn_vote(txn, true, Timeout::Forever).unwrap();
            k.txn_destroy(txn).unwrap();
        }
        0
    });
    let (consistent, mixed, retried) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (c, m, r) = (consistent.clone(), mixed.clone(), retried.clone());
    let w = World { kernel: k, clock: world.clock.clone() };
    world.spawn("reader", 5, move || {
        for _ in 0..300 {
            let txn = k.txn_create(Timeout::Forever).unwrap();
            k.txn_join(txn).unwrap();
            let (mut x, mut y) = ([0u8; 8], [0u8; 8]);
            let reads = k.txn_read(txn, a, &mut x).and_then(|()| {
                w.tick_after(MS / 2);
                k.txn_read(txn, b, &mut y)
            });
            match reads.and_then(|()| k.txn_vote(txn, true, Timeout::Forever)) {
                Ok(()) if x == y => c.fetch_add(1, Ordering::SeqCst),
                Ok(()) => m.fetch_add(1, Ordering::SeqCst),
                Err(Error::Aborted) => r.fetch_add(1, Ordering::SeqCst),
                Err(e) => panic!("reader: {e:?}"),
            };
            k.txn_destroy(txn).unwrap();
        }
        0
    });
    world.run().unwrap();
    assert_eq!(mixed.load(Ordering::SeqCst), 0, "a committed read saw a mix");
    assert!(consistent.load(Ordering::SeqCst) > 0);
    assert!(retried.load(Ordering::SeqCst) > 0, "commits never landed between the reader's reads: the test proves nothing");
    assert_eq!(value(k, a), 200);
    assert_eq!(value(k, b), 200);
}

#[test]
fn one_abort_vote_aborts_everyone_and_nothing_remains() {
    let world = World::new();
    let k = world.kernel;
    let object = k.shared_create(8).unwrap();
    let txn = k.txn_create(Timeout::Forever).unwrap();
    let log = Log::default();
    let l = log.clone();
    let committer = world.spawn("committer", 5, move || {
        k.txn_write(txn, object, &7u64.to_le_bytes()).unwrap();
        l.push(format!("committer {:?}", k.txn_vote(txn, true, Timeout::Forever)));
        0
    });
    let l = log.clone();
    let refuser = world.spawn("refuser", 4, move || {
        l.push(format!("refuser {:?}", k.txn_vote(txn, false, Timeout::Forever)));
        0
    });
    k.txn_add_member(txn, committer).unwrap();
    k.txn_add_member(txn, refuser).unwrap();
    world.run().unwrap();
    // The committer (higher priority) runs as soon as the abort wakes it.
    assert_eq!(log.take(), ["committer Err(Aborted)", "refuser Err(Aborted)"]);
    assert_eq!(k.txn_state(txn), Ok(TxnState::Aborted(AbortReason::Voted)));
    assert_eq!(value(k, object), 0);
}

#[test]
fn a_member_ending_without_voting_or_a_passed_deadline_aborts() {
    // Member ends (as when its task faults and is stopped).
    let world = World::new();
    let k = world.kernel;
    let app = k.domain_create("app", DomainKind::UserApp, 0, 20).unwrap();
    let object = k.shared_create(8).unwrap();
    k.shared_grant(object, app, Access::ReadWrite).unwrap();
    let txn = k.txn_create(Timeout::Forever).unwrap();
    let log = Log::default();
    let l = log.clone();
    let voter = world.spawn("voter", 5, move || {
        l.push(format!("voter {:?}", k.txn_vote(txn, true, Timeout::Forever)));
        0
    });
    let quitter = k
        .thread_create_in(app, "quitter", 5, 0, Box::new(move || {
            k.txn_write(txn, object, &9u64.to_le_bytes()).unwrap();
            k.sleep_ns(5 * MS).unwrap();
            let _ = k.domain_stop(app, -1); // "faults"
            0
        }))
        .unwrap();
    k.thread_start(quitter).unwrap();
    k.txn_add_member(txn, voter).unwrap();
    k.txn_add_member(txn, quitter).unwrap();
    world.run().unwrap();
    assert_eq!(log.take(), ["voter Err(Aborted)"]);
    assert_eq!(k.txn_state(txn), Ok(TxnState::Aborted(AbortReason::MemberEnded)));
    assert_eq!(value(k, object), 0);

    // Deadline.
    let world = World::new();
    let k = world.kernel;
    let txn = k.txn_create(Timeout::Ns(10 * MS)).unwrap();
    let log = Log::default();
    let l = log.clone();
    let slow = world.spawn("slow", 5, move || {
        k.sleep_ns(50 * MS).unwrap();
        l.push(format!("slow {:?}", k.txn_vote(txn, true, Timeout::Forever)));
        0
    });
    let l = log.clone();
    let quick = world.spawn("quick", 5, move || {
        l.push(format!("quick {:?}", k.txn_vote(txn, true, Timeout::Forever)));
        0
    });
    k.txn_add_member(txn, slow).unwrap();
    k.txn_add_member(txn, quick).unwrap();
    world.run().unwrap();
    assert_eq!(log.take(), ["quick Err(Aborted)", "slow Err(Aborted)"]);
    assert_eq!(k.txn_state(txn), Ok(TxnState::Aborted(AbortReason::Deadline)));
}

#[test]
fn access_follows_grants_and_bad_use_gets_errors() {
    let world = World::new();
    let k = world.kernel;
    let reader_app = k.domain_create("reader", DomainKind::UserApp, 0, 20).unwrap();
    let stranger = k.domain_create("stranger", DomainKind::UserApp, 0, 20).unwrap();
    let object = k.shared_create(8).unwrap();
    k.shared_grant(object, reader_app, Access::Read).unwrap();
    assert_eq!(k.shared_create(0).err(), Some(Error::InvalidArgument));
    assert_eq!(k.shared_write(object, &[1, 2, 3]), Err(Error::InvalidArgument));
    assert_eq!(k.shared_write(object, &5u64.to_le_bytes()), Ok(1));
    let log = Log::default();
    for (domain, name) in [(reader_app, "reader"), (stranger, "stranger")] {
        let l = log.clone();
        let t = k
            .thread_create_in(domain, name, 5, 0, Box::new(move || {
                let mut buf = [0u8; 8];
                l.push(format!("{name} read {:?}", k.shared_read(object, &mut buf)));
                l.push(format!("{name} write {:?}", k.shared_write(object, &[0; 8])));
                l.push(format!("{name} grant {:?}", k.shared_grant(object, domain, Access::ReadWrite)));
                0
            }))
            .unwrap();
        k.thread_start(t).unwrap();
    }
    let l = log.clone();
    world.spawn("outsider", 1, move || {
        let txn = k.txn_create(Timeout::Forever).unwrap();
        let mut buf = [0u8; 8];
        l.push(format!("not a member {:?}", k.txn_read(txn, object, &mut buf)));
        k.txn_join(txn).unwrap();
        l.push(format!("small buffer {:?}", k.txn_read(txn, object, &mut [0u8; 4])));
        l.push(format!("wrong kind {:?}", k.txn_read(object, object, &mut buf)));
        l.push(format!("commit alone {:?}", k.txn_vote(txn, true, Timeout::NoWait)));
        l.push(format!("after commit {:?}", k.txn_write(txn, object, &[0; 8])));
        0
    });
    world.run().unwrap();
    assert_eq!(
        log.take(),
        [
            "reader read Ok(1)",
            "reader write Err(AccessDenied)",
            "reader grant Err(AccessDenied)",
            "stranger read Err(AccessDenied)",
            "stranger write Err(AccessDenied)",
            "stranger grant Err(AccessDenied)",
            "not a member Err(BadState)",
            "small buffer Err(InvalidArgument)",
            "wrong kind Err(WrongKind)",
            "commit alone Ok(())",
            "after commit Err(BadState)",
        ]
    );
}

/// Random call sequences with good, stale and forged handles from two threads: every call
/// answers (no panic), and once everything is destroyed no object is left behind.
#[test]
fn random_call_sequences_answer_and_leak_nothing() {
    let world = World::new();
    let k = world.kernel;
    let baseline = k.object_count();
    let w = World { kernel: k, clock: world.clock.clone() };
    for seed in [0x9e37_79b9_7f4a_7c15u64, 0x0123_4567_89ab_cdef] {
        let w = World { kernel: k, clock: w.clock.clone() };
        world.spawn("fuzzer", 5, move || {
            let mut state = seed;
            let mut next = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let mut objects = Vec::new();
            let mut txns = Vec::new();
            for _ in 0..3000 {
                let pick = |v: &Vec<wells_core::Handle>, r: u64| {
                    if v.is_empty() || r.is_multiple_of(7) {
                        wells_core::Handle::from_raw(r) // forged
                    } else {
                        v[(r as usize) % v.len()]
                    }
                };
                let mut buf = vec![0u8; (next() % 24) as usize];
                match next() % 11 {
                    0 => {
                        if let Ok(o) = k.shared_create((next() % 16) as usize) {
                            objects.push(o);
                        }
                    }
                    1 => {
                        let deadline = if next() % 2 == 0 { Timeout::Forever } else { Timeout::Ns(next() % (5 * MS)) };
                        if let Ok(t) = k.txn_create(deadline) {
                            txns.push(t);
                        }
                    }
                    2 => {
                        let _ = k.txn_join(pick(&txns, next()));
                    }
                    3 => {
                        let _ = k.txn_read(pick(&txns, next()), pick(&objects, next()), &mut buf);
                    }
                    4 => {
                        let _ = k.txn_write(pick(&txns, next()), pick(&objects, next()), &buf);
                    }
                    5 => {
                        let _ = k.txn_vote(pick(&txns, next()), next() % 3 != 0, Timeout::NoWait);
                    }
                    6 => {
                        let _ = k.txn_state(pick(&txns, next()));
                    }
                    7 => {
                        let _ = k.shared_write(pick(&objects, next()), &buf);
                    }
                    8 => {
                        let _ = k.shared_read(pick(&objects, next()), &mut buf);
                    }
                    9 => {
                        if !txns.is_empty() {
                            let t = txns.swap_remove((next() as usize) % txns.len());
                            let _ = k.txn_destroy(t);
                        }
                    }
                    _ => w.tick_after(MS / 2),
                }
            }
            for t in txns {
                k.txn_destroy(t).unwrap();
            }
            for o in objects {
                k.shared_destroy(o).unwrap();
            }
            0
        });
    }
    world.run().unwrap();
    // Only the two exited (unjoined) fuzzer threads remain.
    assert_eq!(k.object_count(), baseline + 2);
}

/// Restart policy: an abort starts the transaction over with every member restarted from its
/// entry; within the retry bound the second attempt commits; past it, it stays aborted.
#[test]
fn aborted_transactions_restart_their_members_within_the_bound() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use wells_core::txn::AbortPolicy;
    for (refusals, max_retries, expect_value, expect_state) in [
        (1, 3, 101u64, TxnState::Committed),
        (10, 2, 100, TxnState::Aborted(AbortReason::Voted)),
    ] {
        let world = World::new();
        let k = world.kernel;
        let object = k.shared_create(8).unwrap();
        k.shared_write(object, &100u64.to_le_bytes()).unwrap();
        let txn = k.txn_create(Timeout::Forever).unwrap();
        k.txn_set_policy(txn, AbortPolicy::Restart { max_retries }).unwrap();
        let (attempts_a, attempts_b) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let a = attempts_a.clone();
        let adder = k.thread_create("adder", 5, 0, Box::new(move || {
            a.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 8];
            if k.txn_read(txn, object, &mut buf).is_err() {
                return 9;
            }
            let v = u64::from_le_bytes(buf) + 1;
            let _ = k.txn_write(txn, object, &v.to_le_bytes());
            match k.txn_vote(txn, true, Timeout::Forever) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        })).unwrap();
        let b = attempts_b.clone();
        let judge = k.thread_create("judge", 4, 0, Box::new(move || {
            let attempt = b.fetch_add(1, Ordering::SeqCst) + 1;
            let commit = attempt > refusals;
            match k.txn_vote(txn, commit, Timeout::Forever) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        })).unwrap();
        for t in [adder, judge] {
            k.txn_add_member(txn, t).unwrap();
            k.thread_start(t).unwrap();
        }
        world.run().unwrap();
        assert_eq!(k.txn_state(txn), Ok(expect_state), "refusals {refusals}, bound {max_retries}");
        assert_eq!(value(k, object), expect_value);
        let runs = (refusals.min(max_retries) + 1).min(max_retries + 1);
        assert_eq!(attempts_a.load(Ordering::SeqCst), runs, "adder attempts");
        assert_eq!(attempts_b.load(Ordering::SeqCst), runs, "judge attempts");
        let code = if expect_state == TxnState::Committed { 0 } else { 1 };
        assert_eq!(k.thread_stats(adder).unwrap().exit_code, code);
    }
}

/// Restart policy and a member that ends without voting: the member cannot be brought back
/// for a new attempt, so the transaction aborts for good (`MemberEnded`), the members still
/// waiting learn it, and every member that ran ends (no deadlock, no endless `Active`).
#[test]
fn a_restart_cannot_bring_back_an_ended_member_so_it_aborts_for_good() {
    use wells_core::txn::AbortPolicy;
    for timeout in [Timeout::Forever, Timeout::Ns(200 * MS)] {
        let world = World::new();
        let k = world.kernel;
        let object = k.shared_create(8).unwrap();
        let txn = k.txn_create(Timeout::Forever).unwrap();
        k.txn_set_policy(txn, AbortPolicy::Restart { max_retries: 3 }).unwrap();
        let attempts = Arc::new(AtomicU32::new(0));
        let a_attempts = attempts.clone();
        let voter = k.thread_create("voter", 5, 0, Box::new(move || {
            a_attempts.fetch_add(1, Ordering::SeqCst);
            let _ = k.txn_write(txn, object, &1u64.to_le_bytes());
            match k.txn_vote(txn, true, timeout) {
                Ok(()) => 0,
                Err(Error::Aborted) => 1,
                Err(_) => 2,
            }
        })).unwrap();
        let leaver = k.thread_create("leaver", 5, 0, Box::new(move || {
            let _ = k.txn_write(txn, object, &2u64.to_le_bytes());
            k.sleep_ns(10 * MS).unwrap();
            0 // returns without voting
        })).unwrap();
        for t in [voter, leaver] {
            k.txn_add_member(txn, t).unwrap();
            k.thread_start(t).unwrap();
        }
        assert_eq!(world.run(), Ok(()), "{timeout:?}");
        assert_eq!(k.txn_state(txn), Ok(TxnState::Aborted(AbortReason::MemberEnded)), "{timeout:?}");
        assert_eq!(k.thread_stats(voter).unwrap().exit_code, 1, "{timeout:?}");
        assert_eq!(attempts.load(Ordering::SeqCst), 1, "no attempt without the leaver");
        assert_eq!(value(k, object), 0);
    }
}

#[test]
fn the_stop_policy_ends_every_member() {
    use wells_core::txn::AbortPolicy;
    let world = World::new();
    let k = world.kernel;
    let object = k.shared_create(8).unwrap();
    let txn = k.txn_create(Timeout::Forever).unwrap();
    k.txn_set_policy(txn, AbortPolicy::Stop).unwrap();
    let writer = k.thread_create("writer", 5, 0, Box::new(move || {
        k.txn_write(txn, object, &5u64.to_le_bytes()).unwrap();
        let _ = k.txn_vote(txn, true, Timeout::Forever);
        77 // must not get here
    })).unwrap();
    let refuser = k.thread_create("refuser", 4, 0, Box::new(move || {
        let _ = k.txn_vote(txn, false, Timeout::Forever);
        78
    })).unwrap();
    for t in [writer, refuser] {
        k.txn_add_member(txn, t).unwrap();
        k.thread_start(t).unwrap();
    }
    world.run().unwrap();
    assert_eq!(k.thread_stats(writer).unwrap().exit_code, -1);
    assert_eq!(k.thread_stats(refuser).unwrap().exit_code, -1);
    assert_eq!(value(k, object), 0);
}

/// A transaction's counters: what its members did while members (ended members included),
/// and its own conflicts and aborts.
#[test]
fn transaction_counters_add_up_members_and_aborts() {
    let world = World::new();
    let k = world.kernel;
    let object = k.shared_create(8).unwrap();
    let (winner, loser) = (k.txn_create(Timeout::Forever).unwrap(), k.txn_create(Timeout::Forever).unwrap());
    for (name, txn, work_ms) in [("winner", winner, 3u64), ("loser", loser, 2)] {
        let w = World { kernel: k, clock: world.clock.clone() };
        let t = k.thread_create(name, 5, 0, Box::new(move || {
            k.txn_write(txn, object, &work_ms.to_le_bytes()).unwrap();
            k.yield_now().unwrap(); // both write before either votes
            for _ in 0..work_ms {
                w.tick_after(MS);
            }
            let _ = k.txn_vote(txn, true, Timeout::Forever);
            0
        })).unwrap();
        k.txn_add_member(txn, t).unwrap();
        k.thread_start(t).unwrap();
    }
    world.run().unwrap();
    let (won, lost) = (k.txn_counters(winner).unwrap(), k.txn_counters(loser).unwrap());
    assert_eq!((won.conflicts, won.aborts, lost.conflicts, lost.aborts), (0, 0, 1, 1), "{won:?} {lost:?}");
    // Each member's work was its run time as a member (both ended, so from the retired part).
    assert_eq!((won.run_time_ns, lost.run_time_ns), (3 * MS, 2 * MS), "{won:?} {lost:?}");
    assert!(won.switches >= 1 && lost.switches >= 1, "{won:?} {lost:?}");
    assert_eq!(k.txn_counters(object).unwrap_err(), Error::WrongKind);
}
