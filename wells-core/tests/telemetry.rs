//! Telemetry and the guard: deadline misses are counted and recorded, a set that makes them
//! worse than before is reverted (with the reason kept), events come out in order.
// Needs the whole kernel: a small configuration answers these calls with NotSupported
// (tests/small_configuration.rs).
#![cfg(all(feature = "transactions", feature = "decision-sets", feature = "telemetry"))]

mod common;
use common::{World, MS};
use wells_core::sched::decision::{Action, DecisionSet, Rule};
use wells_core::sched::SchedClass;
use wells_core::telemetry::{Event, EventKind};

#[cfg(feature = "deadlines")]
#[test]
fn a_set_that_causes_deadline_misses_is_reverted() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let world = World::new();
    let k = world.kernel;
    k.telemetry_enable(4096).unwrap();
    k.policy_guard(50 * MS, 1);
    let stop = Arc::new(AtomicBool::new(false));
    // "rt": released every 1 ms sleep, 1 ms of work, deadline 3 ms after each release.
    let (w, s) = (World { kernel: k, clock: world.clock.clone() }, stop.clone());
    let rt = k.thread_create("rt", 10, 0, Box::new(move || {
        while !s.load(Ordering::SeqCst) {
            k.sleep_ns(MS).unwrap();
            w.tick_after(MS);
        }
        0
    })).unwrap();
    k.thread_set_class(rt, SchedClass::SoftRealTime, Some(3 * MS)).unwrap();
    // "hog": best effort, 5 ms of work then a 1 ms pause.
    let (w, s) = (World { kernel: k, clock: world.clock.clone() }, stop.clone());
    let hog = k.thread_create("hog", 5, 0, Box::new(move || {
        while !s.load(Ordering::SeqCst) {
            for _ in 0..5 {
                w.tick_after(MS);
            }
            k.sleep_ns(MS).unwrap();
        }
        0
    })).unwrap();
    k.thread_set_class(hog, SchedClass::BestEffort, None).unwrap();
    // The advisor's bad idea: best-effort work above everything.
    let mut hog_first = Rule { classes: 0b100, priority_min: 0, priority_max: 31, slack: 0, transaction: 0, conflicts_min: 0, waited: 0, cpu_share: 0, action: Action::Priority(20) };
    hog_first.priority_max = 31;
    let set = DecisionSet { rules: vec![hog_first] }.encode();
    // The advisor loads the set after a clean window and keeps reading telemetry (the ring is
    // finite: readers must keep up).
    let collected = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (s, c) = (stop.clone(), collected.clone());
    world.spawn("advisor", 31, move || {
        let blank = Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 };
        let mut from = 0;
        for round in 0..42 {
            if round == 12 {
                k.policy_load(&set).unwrap();
            }
            k.sleep_ns(10 * MS).unwrap();
            let mut piece = [blank; 256];
            loop {
                let (count, dropped, next) = k.telemetry_read(from, &mut piece);
                assert_eq!(dropped, 0, "the advisor fell behind");
                c.lock().unwrap().extend_from_slice(&piece[..count]);
                from = next;
                if count < piece.len() {
                    break;
                }
            }
        }
        s.store(true, Ordering::SeqCst);
        0
    });
    k.thread_start(rt).unwrap();
    k.thread_start(hog).unwrap();
    world.run().unwrap();

    let revert = k.policy_last_revert().expect("the guard reverted the set");
    assert!(revert.misses > revert.baseline + 1, "{revert:?}");
    let stats = k.thread_stats(rt).unwrap();
    assert!(stats.deadline_misses >= 2, "misses {}", stats.deadline_misses);
    assert!(stats.wait_time_ns > 0);

    let events = collected.lock().unwrap().clone();
    let count = events.len();
    let kinds: Vec<EventKind> = events[..count].iter().map(|e| e.kind).collect();
    let loaded = kinds.iter().position(|&e| e == EventKind::SetLoaded).expect("load recorded");
    let first_miss = kinds.iter().position(|&e| e == EventKind::DeadlineMiss).expect("miss recorded");
    let reverted = kinds.iter().position(|&e| e == EventKind::SetReverted).expect("revert recorded");
    assert!(loaded < first_miss && first_miss < reverted, "order: load {loaded}, miss {first_miss}, revert {reverted}");
    // After the revert rt is on time again: no miss in the last 100 ms of the run.
    let revert_time = events[..count].iter().find(|e| e.kind == EventKind::SetReverted).unwrap().time_ns;
    let late = events[..count].iter().filter(|e| e.kind == EventKind::DeadlineMiss && e.time_ns > revert_time + 20 * MS).count();
    assert_eq!(late, 0, "misses long after the revert");
    assert!(events.windows(2).all(|p| p[0].sequence + 1 == p[1].sequence), "a gap in the stream");
}

#[test]
fn the_event_stream_can_be_read_in_pieces() {
    let world = World::new();
    let k = world.kernel;
    k.telemetry_enable(64).unwrap();
    world.spawn("sleeper", 5, move || {
        for _ in 0..10 {
            k.sleep_ns(MS).unwrap();
        }
        0
    });
    world.run().unwrap();
    let blank = Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 };
    let (mut all, mut from) = (Vec::new(), 0);
    loop {
        let mut piece = [blank; 7];
        let (count, dropped, next) = k.telemetry_read(from, &mut piece);
        assert_eq!(dropped, 0);
        if count == 0 {
            break;
        }
        all.extend_from_slice(&piece[..count]);
        from = next;
    }
    let blocks = all.iter().filter(|e| e.kind == EventKind::Block).count();
    assert_eq!(blocks, 10);
    assert!(all.iter().enumerate().all(|(i, e)| e.sequence == i as u64));
}

/// Trace points outside the core (`Kernel::trace`): nothing while the ring is off; once on,
/// each event names the thread running when it was recorded, and a decision-set rule that
/// places a thread is recorded as a pick with the rule's index.
#[test]
fn trace_points_record_the_running_thread_and_rule_picks() {
    let world = World::new();
    let k = world.kernel;
    k.trace(EventKind::SyscallEnter, 99);
    assert!(!k.tracing());
    let no_rule = Rule { classes: 0b001, priority_min: 0, priority_max: 31, slack: 0, transaction: 0, conflicts_min: 0, waited: 0, cpu_share: 0, action: Action::Priority(3) };
    let best_effort = Rule { classes: 0b100, ..no_rule };
    k.policy_load(&DecisionSet { rules: vec![no_rule, best_effort] }.encode()).unwrap();
    k.telemetry_enable(64).unwrap();
    assert!(k.tracing());
    let t = k.thread_create("caller", 5, 0, Box::new(move || {
        k.trace(EventKind::SyscallEnter, 7);
        k.trace(EventKind::SyscallExit, 0);
        0
    })).unwrap();
    k.thread_set_class(t, SchedClass::BestEffort, None).unwrap();
    k.thread_start(t).unwrap();
    world.run().unwrap();
    let blank = Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 };
    let mut events = [blank; 64];
    let (count, _, _) = k.telemetry_read(0, &mut events);
    let seen: Vec<(EventKind, u64, u64)> = events[..count].iter().map(|e| (e.kind, e.subject, e.arg)).collect();
    let t = t.raw();
    assert_eq!(
        seen,
        [(EventKind::Wake, t, 3), (EventKind::SetPick, t, 1), (EventKind::Switch, t, 3), (EventKind::SyscallEnter, t, 7), (EventKind::SyscallExit, t, 0), (EventKind::Exit, t, 0)],
        "nothing from before the ring was on"
    );
}
