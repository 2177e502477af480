//! A kernel built without its optional features (`cargo test -p wells-core
//! --no-default-features`): the calls of each missing feature answer `NotSupported` and change
//! nothing, and the rest of the kernel works as before.
#![cfg(not(any(feature = "transactions", feature = "decision-sets", feature = "telemetry", feature = "mutexes")))]

mod common;
use common::World;
use wells_core::{Error, Timeout};

#[test]
fn calls_of_missing_features_answer_not_supported() {
    let w = World::new();
    let k = w.kernel;
    assert_eq!(k.txn_create(Timeout::Forever), Err(Error::NotSupported));
    assert_eq!(k.shared_create(64), Err(Error::NotSupported));
    assert_eq!(k.telemetry_enable(16), Err(Error::NotSupported));
    assert_eq!(k.mutex_create(), Err(Error::NotSupported));
    let refused = k.policy_load(&[0u8; 64]).expect_err("a decision set was loaded");
    assert!(refused.field.contains("not built"), "{}", refused.field);
    assert_eq!(k.policy_rules(), 0);
    // A transaction call on a handle of another kind is refused the same way, before any lookup.
    let semaphore = k.semaphore_create(0, 1).unwrap();
    assert_eq!(k.txn_destroy(semaphore), Err(Error::NotSupported));
    assert_eq!(k.shared_destroy(semaphore), Err(Error::NotSupported));
    assert_eq!(k.mutex_lock(semaphore, Timeout::NoWait), Err(Error::NotSupported));
    assert_eq!(k.mutex_unlock(semaphore), Err(Error::NotSupported));
    assert_eq!(k.mutex_destroy(semaphore), Err(Error::NotSupported));
    assert_eq!(k.semaphore_post(semaphore), Ok(()));
}

#[test]
fn threads_still_run_and_are_not_traced() {
    let w = World::new();
    let sem = w.kernel.semaphore_create(0, 1).unwrap();
    let k = w.kernel;
    w.spawn("waiter", 10, move || if k.semaphore_wait(sem, Timeout::Forever).is_ok() { 7 } else { 1 });
    w.spawn("poster", 5, move || if k.semaphore_post(sem).is_ok() { 0 } else { 1 });
    assert_eq!(w.run(), Ok(()));
    use wells_core::telemetry::{Event, EventKind};
    let mut events = [Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 }; 4];
    assert_eq!(w.kernel.telemetry_read(0, &mut events).0, 0);
}
