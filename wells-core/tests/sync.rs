//! Mutex (with priority inheritance), semaphore and event semantics, timeouts, destruction.

mod common;
use common::{Log, World, MS};
#[cfg(feature = "mutexes")]
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wells_core::{Error, Timeout};

#[cfg(feature = "mutexes")]
fn clone(world: &World) -> World {
    World { kernel: world.kernel, clock: world.clock.clone() }
}

/// Classic inversion: low holds the mutex, high waits for it, medium spins. With inheritance
/// low runs at high's priority, releases, and high finishes before medium. Without it, medium
/// starves low (and so high) until it gives up after 500 ticks.
// Uses a mutex: a kernel without the `mutexes` feature answers NotSupported.
#[cfg(feature = "mutexes")]
#[test]
fn priority_inheritance_resolves_the_classic_inversion() {
    let world = World::new();
    let kernel = world.kernel;
    let mutex = kernel.mutex_create().unwrap();
    let log = Log::default();
    let high_done = Arc::new(AtomicBool::new(false));
    let low_priority_seen = Arc::new(AtomicU32::new(0));

    let (l, w, seen) = (log.clone(), clone(&world), low_priority_seen.clone());
    let low = world.spawn("low", 2, move || {
        kernel.mutex_lock(mutex, Timeout::Forever).unwrap();
        l.push("low locked");
        let me = kernel.current_thread().unwrap();
        for _ in 0..20 {
            seen.fetch_max(kernel.thread_stats(me).unwrap().priority as u32, Ordering::SeqCst);
            w.tick_after(MS); // work that takes time while medium and high arrive
        }
        l.push("low unlocks");
        kernel.mutex_unlock(mutex).unwrap();
        0
    });
    let (l, w) = (log.clone(), clone(&world));
    let done = high_done.clone();
    world.spawn("medium", 10, move || {
        kernel.sleep_ns(MS).unwrap();
        l.push("medium starts spinning");
        for _ in 0..500 {
            if done.load(Ordering::SeqCst) {
                break;
            }
            w.tick_after(MS);
        }
        l.push("medium done");
        0
    });
    let (l, done) = (log.clone(), high_done.clone());
    world.spawn("high", 20, move || {
        kernel.sleep_ns(2 * MS).unwrap();
        l.push("high waits");
        kernel.mutex_lock(mutex, Timeout::Forever).unwrap();
        l.push("high locked");
        kernel.mutex_unlock(mutex).unwrap();
        done.store(true, Ordering::SeqCst);
        0
    });
    world.run().unwrap();
    assert_eq!(
        log.take(),
        ["low locked", "medium starts spinning", "high waits", "low unlocks", "high locked", "medium done"]
    );
    assert_eq!(low_priority_seen.load(Ordering::SeqCst), 20, "low inherited high's priority");
    assert_eq!(kernel.thread_stats(low).unwrap().priority, 2, "and dropped back after unlocking");
}

// Uses a mutex: a kernel without the `mutexes` feature answers NotSupported.
#[cfg(feature = "mutexes")]
#[test]
fn mutex_errors_and_owner_died() {
    let world = World::new();
    let kernel = world.kernel;
    let mutex = kernel.mutex_create().unwrap();
    let results = Log::default();
    assert_eq!(kernel.mutex_lock(mutex, Timeout::NoWait), Err(Error::BadContext), "host is not a thread");
    let r = results.clone();
    world.spawn("holder", 10, move || {
        kernel.mutex_lock(mutex, Timeout::Forever).unwrap();
        r.push(format!("relock {:?}", kernel.mutex_lock(mutex, Timeout::Forever)));
        kernel.sleep_ns(5 * MS).unwrap();
        0 // exits holding the mutex
    });
    let r = results.clone();
    world.spawn("other", 5, move || {
        r.push(format!("unlock {:?}", kernel.mutex_unlock(mutex)));
        r.push(format!("nowait {:?}", kernel.mutex_lock(mutex, Timeout::NoWait)));
        r.push(format!("timeout {:?}", kernel.mutex_lock(mutex, Timeout::Ns(MS))));
        r.push(format!("forever {:?}", kernel.mutex_lock(mutex, Timeout::Forever)));
        r.push(format!("unlock {:?}", kernel.mutex_unlock(mutex)));
        0
    });
    world.run().unwrap();
    assert_eq!(
        results.take(),
        [
            "relock Err(Deadlock)",
            "unlock Err(NotOwner)",
            "nowait Err(WouldBlock)",
            "timeout Err(Timeout)",
            "forever Err(OwnerDied)",
            "unlock Ok(())"
        ]
    );
}

#[test]
fn semaphore_counts_hands_over_and_limits() {
    let world = World::new();
    let kernel = world.kernel;
    assert_eq!(kernel.semaphore_create(2, 1).err(), Some(Error::InvalidArgument));
    assert_eq!(kernel.semaphore_create(0, 0).err(), Some(Error::InvalidArgument));
    let sem = kernel.semaphore_create(1, 2).unwrap();
    kernel.semaphore_post(sem).unwrap();
    assert_eq!(kernel.semaphore_post(sem), Err(Error::Limit));
    assert_eq!(kernel.semaphore_value(sem), Ok(2));
    kernel.semaphore_wait(sem, Timeout::NoWait).unwrap();
    kernel.semaphore_wait(sem, Timeout::NoWait).unwrap();
    assert_eq!(kernel.semaphore_wait(sem, Timeout::NoWait), Err(Error::WouldBlock));
    let log = Log::default();
    for (name, priority) in [("w-low", 3), ("w-high", 9)] {
        let l = log.clone();
        world.spawn(name, priority, move || {
            l.push(format!("{name} {:?}", kernel.semaphore_wait(sem, Timeout::Ns(50 * MS))));
            0
        });
    }
    let l = log.clone();
    world.spawn("poster", 1, move || {
        l.push("post");
        kernel.semaphore_post(sem).unwrap();
        0
    });
    world.run().unwrap();
    // The unit goes to the higher-priority waiter; the other times out.
    assert_eq!(log.take(), ["post", "w-high Ok(())", "w-low Err(Timeout)"]);
    assert_eq!(kernel.semaphore_value(sem), Ok(0));
}

#[test]
fn auto_reset_event_releases_one_manual_releases_all() {
    for (auto, expected_woken) in [(true, 1), (false, 3)] {
        let world = World::new();
        let kernel = world.kernel;
        let event = kernel.event_create(auto, false).unwrap();
        let woken = Arc::new(AtomicU32::new(0));
        for i in 0..3 {
            let woken = woken.clone();
            world.spawn(&format!("waiter{i}"), 5, move || {
                if kernel.event_wait(event, Timeout::Ns(20 * MS)).is_ok() {
                    woken.fetch_add(1, Ordering::SeqCst);
                }
                0
            });
        }
        world.spawn("setter", 1, move || {
            kernel.event_set(event).unwrap();
            0
        });
        world.run().unwrap();
        assert_eq!(woken.load(Ordering::SeqCst), expected_woken, "auto_reset={auto}");
        // Auto-reset: consumed by the waiter. Manual: stays set until reset.
        assert_eq!(kernel.event_wait(event, Timeout::NoWait).is_ok(), !auto);
        kernel.event_reset(event).unwrap();
        assert_eq!(kernel.event_wait(event, Timeout::NoWait), Err(Error::WouldBlock));
    }
}

// Uses a mutex: a kernel without the `mutexes` feature answers NotSupported.
#[cfg(feature = "mutexes")]
#[test]
fn destroying_an_object_wakes_its_waiters_with_an_error() {
    let world = World::new();
    let kernel = world.kernel;
    let sem = kernel.semaphore_create(0, 1).unwrap();
    let event = kernel.event_create(false, false).unwrap();
    let port = kernel.port_create(4, 1).unwrap();
    let mutex = kernel.mutex_create().unwrap();
    let results = Log::default();
    let r = results.clone();
    world.spawn("holder", 20, move || {
        kernel.mutex_lock(mutex, Timeout::Forever).unwrap();
        kernel.sleep_ns(10 * MS).unwrap();
        kernel.mutex_destroy(mutex).unwrap();
        r.push(format!("unlock destroyed {:?}", kernel.mutex_unlock(mutex)));
        0
    });
    let r = results.clone();
    world.spawn("waiter", 10, move || {
        let mut buf = [0u8; 4];
        r.push(format!("mutex {:?}", kernel.mutex_lock(mutex, Timeout::Forever)));
        r.push(format!("sem {:?}", kernel.semaphore_wait(sem, Timeout::Forever)));
        r.push(format!("event {:?}", kernel.event_wait(event, Timeout::Forever)));
        r.push(format!("port {:?}", kernel.port_receive(port, &mut buf, Timeout::Forever)));
        0
    });
    world.spawn("destroyer", 5, move || {
        kernel.sleep_ns(20 * MS).unwrap();
        kernel.semaphore_destroy(sem).unwrap();
        kernel.sleep_ns(MS).unwrap();
        kernel.event_destroy(event).unwrap();
        kernel.sleep_ns(MS).unwrap();
        kernel.port_destroy(port).unwrap();
        0
    });
    world.run().unwrap();
    assert_eq!(
        results.take(),
        [
            "unlock destroyed Err(InvalidHandle)",
            "mutex Err(Destroyed)",
            "sem Err(Destroyed)",
            "event Err(Destroyed)",
            "port Err(Destroyed)"
        ]
    );
    assert_eq!(kernel.semaphore_post(sem), Err(Error::InvalidHandle));
}

// Uses a mutex: a kernel without the `mutexes` feature answers NotSupported.
#[cfg(feature = "mutexes")]
#[test]
fn handles_of_the_wrong_kind_are_refused() {
    let world = World::new();
    let kernel = world.kernel;
    let mutex = kernel.mutex_create().unwrap();
    assert_eq!(kernel.semaphore_post(mutex), Err(Error::WrongKind));
    assert_eq!(kernel.event_set(mutex), Err(Error::WrongKind));
    assert_eq!(kernel.thread_start(mutex), Err(Error::WrongKind));
    assert_eq!(kernel.semaphore_post(wells_core::Handle::from_raw(0)), Err(Error::InvalidHandle));
}
