//! The decision-set policy on real threads: rules reorder, the classic policy covers threads no
//! rule matches, the hard-RT guard holds, a bad set leaves the old one in force, slices change.
// Needs the whole kernel: a small configuration answers these calls with NotSupported
// (tests/small_configuration.rs).
#![cfg(all(feature = "transactions", feature = "decision-sets", feature = "telemetry"))]

mod common;
use common::{Log, World, MS};
use wells_core::sched::decision::{Action, DecisionSet, Rule};
use wells_core::sched::SchedClass;

fn any(action: Action) -> Rule {
    Rule { classes: 0, priority_min: 0, priority_max: 31, slack: 0, transaction: 0, conflicts_min: 0, waited: 0, cpu_share: 0, action }
}

/// Starts three threads (given classes) from a high-priority starter, which then blocks so
/// they run in the order the policy gives; returns that order.
fn run_order(world: &World, set: Option<&DecisionSet>, threads: &[(&'static str, u8, SchedClass)]) -> Vec<String> {
    let k = world.kernel;
    if let Some(set) = set {
        k.policy_load(&set.encode()).unwrap();
    }
    let log = Log::default();
    let mut handles = Vec::new();
    for &(name, priority, class) in threads {
        let l = log.clone();
        let t = k.thread_create(name, priority, 0, Box::new(move || {
            l.push(name);
            0
        })).unwrap();
        k.thread_set_class(t, class, None).unwrap();
        handles.push(t);
    }
    world.spawn("starter", 31, move || {
        for &t in &handles {
            k.thread_start(t).unwrap();
        }
        0
    });
    world.run().unwrap();
    log.take()
}

const THREE: &[(&str, u8, SchedClass)] = &[
    ("batch", 2, SchedClass::BestEffort),
    ("control", 20, SchedClass::HardRealTime),
    ("ui", 10, SchedClass::SoftRealTime),
];

#[test]
fn no_set_or_no_matching_rule_is_the_classic_order() {
    assert_eq!(run_order(&World::new(), None, THREE), ["control", "ui", "batch"]);
    // A rule for a class none of them has: classic fallback for all.
    let mut nobody = any(Action::Priority(31));
    nobody.priority_min = 30;
    let set = DecisionSet { rules: vec![nobody] };
    assert_eq!(run_order(&World::new(), Some(&set), THREE), ["control", "ui", "batch"]);
}

#[test]
fn a_rule_reorders_and_the_hard_rt_guard_holds() {
    // Batch work first (priority 25), and an attempt to push the hard-RT thread down to 1.
    let mut batch_up = any(Action::Priority(25));
    batch_up.classes = 0b100;
    let mut control_down = any(Action::Priority(1));
    control_down.classes = 0b001;
    let set = DecisionSet { rules: vec![batch_up, control_down] };
    // control keeps its 20 (the guard); batch at 25 goes first; ui (no rule) stays at 10.
    assert_eq!(run_order(&World::new(), Some(&set), THREE), ["batch", "control", "ui"]);
}

#[test]
fn a_refused_set_names_the_bad_rule_and_leaves_the_old_one() {
    let world = World::new();
    let k = world.kernel;
    let mut batch_up = any(Action::Priority(25));
    batch_up.classes = 0b100;
    k.policy_load(&DecisionSet { rules: vec![batch_up] }.encode()).unwrap();
    let mut bad = DecisionSet { rules: vec![any(Action::Priority(3)), any(Action::Priority(4))] }.encode();
    bad[16 + 16 + 6] = 99; // rule 1: unknown action
    let error = k.policy_load(&bad).unwrap_err();
    assert_eq!((error.rule, error.field), (Some(1), "action"));
    assert_eq!(k.policy_load(&[1, 2, 3]).unwrap_err().rule, None);
    // Still the first set: batch first.
    assert_eq!(run_order(&world, None, THREE), ["batch", "control", "ui"]);
    // And cleared: classic again.
    let world = World::new();
    world.kernel.policy_load(&DecisionSet { rules: vec![batch_up] }.encode()).unwrap();
    world.kernel.policy_clear();
    assert_eq!(run_order(&world, None, THREE), ["control", "ui", "batch"]);
}

#[test]
fn a_slice_rule_changes_round_robin_turns() {
    let world = World::new();
    let k = world.kernel;
    let mut short = any(Action::SliceNs(2 * MS));
    short.classes = 0b010;
    k.policy_load(&DecisionSet { rules: vec![short] }.encode()).unwrap();
    let log = Log::default();
    for name in ["a", "b"] {
        let (l, w) = (log.clone(), World { kernel: k, clock: world.clock.clone() });
        let t = k.thread_create(name, 7, 0, Box::new(move || {
            for _ in 0..8 {
                l.push(name);
                w.tick_after(MS);
            }
            0
        })).unwrap();
        k.thread_set_class(t, SchedClass::SoftRealTime, None).unwrap();
        k.thread_start(t).unwrap();
    }
    world.run().unwrap();
    // 2 ms slices with 1 ms of work per entry: turns of two.
    assert_eq!(log.take().concat(), "aabbaabbaabbaabb");
}

/// A set that parks a thread below others that never stop: the wait bound still gets it run.
#[test]
fn the_wait_bound_ends_starvation() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    for bound in [0, 30 * MS] {
        let world = World::new();
        let k = world.kernel;
        k.policy_wait_bound(bound);
        let mut park = any(Action::Priority(1));
        park.classes = 0b100;
        k.policy_load(&DecisionSet { rules: vec![park] }.encode()).unwrap();
        let ran = Arc::new(AtomicBool::new(false));
        let r = ran.clone();
        let parked = k.thread_create("parked", 10, 0, Box::new(move || {
            r.store(true, Ordering::SeqCst);
            0
        })).unwrap();
        k.thread_set_class(parked, SchedClass::BestEffort, None).unwrap();
        let (w, r) = (World { kernel: k, clock: world.clock.clone() }, ran.clone());
        let busy = k.thread_create("busy", 10, 0, Box::new(move || {
            for _ in 0..100 {
                if r.load(Ordering::SeqCst) {
                    break;
                }
                w.tick_after(MS);
            }
            0
        })).unwrap();
        k.thread_set_class(busy, SchedClass::SoftRealTime, None).unwrap();
        k.thread_start(parked).unwrap();
        k.thread_start(busy).unwrap();
        world.run().unwrap();
        let waited = k.thread_stats(parked).unwrap().wait_time_ns;
        if bound == 0 {
            assert!(waited >= 100 * MS, "no bound: parked until busy ended ({waited} ns)");
        } else {
            // At the front of the top level it runs when the current slice (10 ms) ends.
            assert!(waited <= bound + 12 * MS, "bound {bound}: waited {waited} ns");
        }
    }
}

/// A defer rule holds a started or woken best-effort thread back for its time (once per
/// release), never holds a hard-RT thread back, and the woken thread keeps its wake reason.
#[test]
fn a_defer_rule_holds_a_woken_thread_back_once() {
    use wells_core::{Error, Timeout};
    for (class, expected) in [(SchedClass::BestEffort, "start 5 timed-out 13"), (SchedClass::HardRealTime, "start 0 timed-out 3")] {
        let world = World::new();
        let k = world.kernel;
        let mut hold = any(Action::DeferNs(5 * MS));
        hold.classes = 0b101;
        (hold.priority_min, hold.priority_max) = (20, 20);
        k.policy_load(&DecisionSet { rules: vec![hold] }.encode()).unwrap();
        let log = Log::default();
        let semaphore = k.semaphore_create(0, 1).unwrap();
        let (l, w) = (log.clone(), World { kernel: k, clock: world.clock.clone() });
        let urgent = k.thread_create("urgent", 20, 0, Box::new(move || {
            l.push(format!("start {}", w.now() / MS));
            // Woken by its timeout at 3 ms: deferred again, and the answer is still the timeout.
            let answer = k.semaphore_wait(semaphore, Timeout::Ns(3 * MS));
            let reason = if answer == Err(Error::Timeout) { "timed-out" } else { "wrong-reason" };
            l.push(format!("{reason} {}", w.now() / MS));
            0
        })).unwrap();
        k.thread_set_class(urgent, class, None).unwrap();
        // Lower-priority work that ticks the clock by 1 ms steps and is preempted when urgent runs.
        let w = World { kernel: k, clock: world.clock.clone() };
        let worker = k.thread_create("worker", 10, 0, Box::new(move || {
            for _ in 0..20 {
                w.tick_after(MS);
            }
            0
        })).unwrap();
        k.thread_set_class(worker, SchedClass::SoftRealTime, None).unwrap();
        world.spawn("starter", 31, move || {
            k.thread_start(urgent).unwrap();
            k.thread_start(worker).unwrap();
            0
        });
        world.run().unwrap();
        assert_eq!(log.take().join(" "), expected, "{class:?}");
    }
}

/// A gang rule for transaction members: when one member is queued, its ready partners queued
/// lower run right behind it instead of after unrelated work; without the rule, classic order.
#[test]
fn a_gang_rule_runs_transaction_members_together() {
    use wells_core::Timeout;
    let mut gang = any(Action::Gang);
    gang.transaction = 0b10;
    for (set, expected) in [(None, ["high", "other", "low"]), (Some(DecisionSet { rules: vec![gang] }), ["high", "low", "other"])] {
        let world = World::new();
        let k = world.kernel;
        if let Some(set) = &set {
            k.policy_load(&set.encode()).unwrap();
        }
        let txn = k.txn_create(Timeout::Forever).unwrap();
        let log = Log::default();
        let mut threads = Vec::new();
        // Two members of one transaction (priorities 5 and 15) and an unrelated thread at 10.
        for (name, priority, member) in [("low", 5, true), ("other", 10, false), ("high", 15, true)] {
            let l = log.clone();
            let t = k.thread_create(name, priority, 0, Box::new(move || {
                l.push(name);
                0
            })).unwrap();
            if member {
                k.txn_add_member(txn, t).unwrap();
            }
            threads.push(t);
        }
        world.spawn("starter", 31, move || {
            for &t in &threads {
                k.thread_start(t).unwrap();
            }
            0
        });
        world.run().unwrap();
        assert_eq!(log.take(), expected, "gang rule loaded: {}", set.is_some());
    }
}

/// An abort-conflicting rule for one thread: when it wakes, the other transaction writing the
/// object it wrote aborts at once, so its own commits. Without the rule, the other one, voting
/// first, commits and its own aborts at its vote.
#[test]
fn an_abort_conflicting_rule_makes_its_transaction_win() {
    use wells_core::txn::{AbortReason, TxnState};
    use wells_core::Timeout;
    let mut win = any(Action::AbortConflicting);
    (win.priority_min, win.priority_max) = (20, 20);
    for with_rule in [false, true] {
        let world = World::new();
        let k = world.kernel;
        if with_rule {
            k.policy_load(&DecisionSet { rules: vec![win] }.encode()).unwrap();
        }
        let object = k.shared_create(8).unwrap();
        let log = Log::default();
        // "favoured" writes first and votes last; "other" writes second and votes first.
        for (name, priority, value, naps) in [("favoured", 20, 1u64, [1, 5]), ("other", 10, 2, [2, 0])] {
            let l = log.clone();
            world.spawn(name, priority, move || {
                let txn = k.txn_create(Timeout::Forever).unwrap();
                k.txn_join(txn).unwrap();
                k.txn_write(txn, object, &value.to_le_bytes()).unwrap();
                for nap in naps {
                    k.sleep_ns(nap * MS).unwrap();
                }
                let outcome = k.txn_vote(txn, true, Timeout::Forever);
                let state = k.txn_state(txn).unwrap();
                let aborted_on_object = state == TxnState::Aborted(AbortReason::Conflict(object));
                l.push(format!("{name} {}", if outcome.is_ok() { "committed" } else if aborted_on_object { "conflict" } else { "?" }));
                0
            });
        }
        world.run().unwrap();
        let mut buf = [0u8; 8];
        k.shared_read(object, &mut buf).unwrap();
        let (expected, value) = if with_rule {
            (["other conflict", "favoured committed"], 1)
        } else {
            (["other committed", "favoured conflict"], 2)
        };
        assert_eq!(log.take(), expected, "rule loaded: {with_rule}");
        assert_eq!(u64::from_le_bytes(buf), value, "rule loaded: {with_rule}");
    }
}

/// Rules on time since a thread last ran and on its recent CPU share: a thread back from a
/// long sleep jumps ahead; a CPU hog is placed low when it wakes.
#[test]
fn rules_match_time_waited_and_cpu_share() {
    // A long sleeper (priority 5) wakes while a thread at 10 works: with the rule it preempts.
    let mut long_sleeper_up = any(Action::Priority(20));
    (long_sleeper_up.priority_max, long_sleeper_up.waited) = (5, 0b1000);
    for (set, expected) in [(None, "bbbbbbbbbba"), (Some(long_sleeper_up), "bbbbbabbbbb")] {
        let world = World::new();
        let k = world.kernel;
        if let Some(rule) = set {
            k.policy_load(&DecisionSet { rules: vec![rule] }.encode()).unwrap();
        }
        let log = Log::default();
        let l = log.clone();
        world.spawn("a", 5, move || {
            k.sleep_ns(150 * MS).unwrap();
            l.push("a");
            0
        });
        let (l, w) = (log.clone(), World { kernel: k, clock: world.clock.clone() });
        world.spawn("b", 10, move || {
            k.sleep_ns(145 * MS).unwrap();
            for _ in 0..10 {
                l.push("b");
                w.tick_after(MS);
            }
            0
        });
        world.run().unwrap();
        assert_eq!(log.take().concat(), expected, "rule loaded: {}", set.is_some());
    }
    // A hog (priority 10) that used the CPU for 200 ms and a light thread (5) wake together:
    // with the rule the hog, at >= 50 % share, is placed at 1 and the light one goes first.
    let mut hog_down = any(Action::Priority(1));
    hog_down.cpu_share = 0b100;
    for (set, expected) in [(None, ["hog", "light"]), (Some(hog_down), ["light", "hog"])] {
        let world = World::new();
        let k = world.kernel;
        if let Some(rule) = set {
            k.policy_load(&DecisionSet { rules: vec![rule] }.encode()).unwrap();
        }
        let log = Log::default();
        let (l, w) = (log.clone(), World { kernel: k, clock: world.clock.clone() });
        world.spawn("hog", 10, move || {
            for _ in 0..200 {
                w.tick_after(MS);
            }
            k.sleep_ns(5 * MS).unwrap();
            l.push("hog");
            0
        });
        let l = log.clone();
        world.spawn("light", 5, move || {
            k.sleep_ns(5 * MS).unwrap(); // runs only once the hog sleeps, and wakes with it
            l.push("light");
            0
        });
        world.run().unwrap();
        assert_eq!(log.take(), expected, "rule loaded: {}", set.is_some());
    }
}

/// A rule for members whose partners already voted commit and wait for them: the laggard runs
/// before unrelated work at a higher priority, so the transaction completes sooner.
#[test]
fn a_rule_on_awaited_members_runs_the_laggard_first() {
    use wells_core::Timeout;
    let mut laggard_up = any(Action::Priority(20));
    laggard_up.transaction = 0b100;
    for (set, expected) in [(None, ["other done", "slow voted"]), (Some(laggard_up), ["slow voted", "other done"])] {
        let world = World::new();
        let k = world.kernel;
        if let Some(rule) = set {
            k.policy_load(&DecisionSet { rules: vec![rule] }.encode()).unwrap();
        }
        let txn = k.txn_create(Timeout::Forever).unwrap();
        let log = Log::default();
        let l = log.clone();
        let slow = k.thread_create("slow", 5, 0, Box::new(move || {
            k.sleep_ns(MS).unwrap();
            l.push("slow voted");
            k.txn_vote(txn, true, Timeout::Forever).unwrap();
            0
        })).unwrap();
        let fast = k.thread_create("fast", 15, 0, Box::new(move || {
            k.txn_vote(txn, true, Timeout::Forever).unwrap(); // waits for slow
            0
        })).unwrap();
        for t in [slow, fast] {
            k.txn_add_member(txn, t).unwrap();
            k.thread_start(t).unwrap();
        }
        let (l, w) = (log.clone(), World { kernel: k, clock: world.clock.clone() });
        world.spawn("other", 10, move || {
            k.sleep_ns(MS).unwrap(); // wakes with slow
            for _ in 0..10 {
                w.tick_after(MS);
            }
            l.push("other done");
            0
        });
        world.run().unwrap();
        assert_eq!(log.take(), expected, "rule loaded: {}", set.is_some());
    }
}
