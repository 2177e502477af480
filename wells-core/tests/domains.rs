//! Domains: threads belong to one, and stopping it ends every thread of it cleanly.

mod common;
use common::{Log, World};
#[cfg(any(feature = "mutexes", feature = "timers"))]
use common::MS;
use wells_core::domain::{DomainId, DomainKind};
use wells_core::{Error, ThreadState, Timeout};

// Uses a mutex: a kernel without the `mutexes` feature answers NotSupported.
#[cfg(feature = "mutexes")]
#[test]
fn stopping_a_domain_ends_all_its_threads_and_nothing_else() {
    let world = World::new();
    let kernel = world.kernel;
    let app = kernel.domain_create("app", DomainKind::UserApp, 0, 20).unwrap();
    let sem = kernel.semaphore_create(0, 1).unwrap();
    let mutex = kernel.mutex_create().unwrap();
    let spawn_in = |name: &str, f: Box<dyn FnMut() -> i32 + Send>| {
        let t = kernel.thread_create_in(app, name, 5, 0, f).unwrap();
        kernel.thread_start(t).unwrap();
        t
    };
    let holder = spawn_in("holder", Box::new(move || {
        kernel.mutex_lock(mutex, Timeout::Forever).unwrap();
        let _ = kernel.sleep_ns(1000 * MS);
        0
    }));
    let blocked = spawn_in("blocked", Box::new(move || {
        let _ = kernel.semaphore_wait(sem, Timeout::Forever);
        0
    }));
    assert_eq!(kernel.thread_domain(blocked), Ok(app));
    let log = Log::default();
    let l = log.clone();
    world.spawn("supervisor", 10, move || {
        kernel.sleep_ns(5 * MS).unwrap();
        l.push(format!("live {}", kernel.domain_live_threads(app)));
        kernel.domain_stop(app, -9).unwrap();
        l.push(format!("live {}", kernel.domain_live_threads(app)));
        l.push(format!("join {:?}", kernel.thread_join(blocked, Timeout::NoWait)));
        l.push(format!("join {:?}", kernel.thread_join(holder, Timeout::NoWait)));
        l.push(format!("mutex {:?}", kernel.mutex_lock(mutex, Timeout::NoWait)));
        l.push(format!("new thread {:?}", kernel.thread_create_in(app, "late", 5, 0, Box::new(|| 0)).err()));
        0
    });
    world.run().unwrap();
    assert_eq!(
        log.take(),
        ["live 2", "live 0", "join Ok(-9)", "join Ok(-9)", "mutex Err(OwnerDied)", "new thread Some(BadState)"]
    );
    assert_eq!(kernel.domain_stop(DomainId::KERNEL, 0), Err(Error::InvalidArgument));
}

#[test]
fn a_thread_stopping_its_own_domain_does_not_return() {
    let world = World::new();
    let kernel = world.kernel;
    let app = kernel.domain_create("app", DomainKind::UserApp, 0, 20).unwrap();
    let log = Log::default();
    let l = log.clone();
    let t = kernel.thread_create_in(app, "self-stopper", 5, 0, Box::new(move || {
        l.push("stopping");
        let _ = kernel.domain_stop(app, 3);
        l.push("returned!");
        0
    })).unwrap();
    kernel.thread_start(t).unwrap();
    world.run().unwrap();
    assert_eq!(log.take(), ["stopping"]);
    let stats = kernel.thread_stats(t).unwrap();
    assert_eq!((stats.state, stats.exit_code), (ThreadState::Exited, 3));
}

#[cfg(feature = "timers")]
#[test]
fn a_timer_callback_may_stop_the_domain_of_the_thread_it_interrupted() {
    let world = World::new();
    let kernel = world.kernel;
    let app = kernel.domain_create("app", DomainKind::UserApp, 0, 20).unwrap();
    let w = World { kernel, clock: world.clock.clone() };
    // Spins until the timer fires in the middle of it (each loop is a 1 ms tick).
    let spinner = kernel.thread_create_in(app, "spinner", 5, 0, Box::new(move || {
        for _ in 0..1000 {
            w.tick_after(MS);
        }
        0
    })).unwrap();
    kernel.thread_start(spinner).unwrap();
    let timer = kernel.timer_create(Box::new(move || {
        let _ = kernel.domain_stop(app, -7);
    })).unwrap();
    kernel.timer_start(timer, 5 * MS, 0).unwrap();
    let log = Log::default();
    let l = log.clone();
    world.spawn("after", 1, move || {
        // Runs once the spinner is gone; it must still be able to block.
        l.push(format!("sleep {:?}", kernel.sleep_ns(MS)));
        l.push(format!("join {:?}", kernel.thread_join(spinner, Timeout::NoWait)));
        0
    });
    world.run().unwrap();
    assert_eq!(log.take(), vec!["sleep Ok(())", "join Ok(-7)"]);
}

#[test]
fn a_stopped_domain_whose_threads_are_joined_can_be_destroyed_and_its_id_reused() {
    let world = World::new();
    let kernel = world.kernel;
    let app = kernel.domain_create("app", DomainKind::UserApp, 0, 20).unwrap();
    let worker = kernel.thread_create_in(app, "worker", 5, 0, Box::new(|| 3)).unwrap();
    kernel.thread_start(worker).unwrap();
    assert_eq!(kernel.domain_destroy(app), Err(Error::BadState), "not stopped");
    world.run().unwrap();
    kernel.domain_stop(app, 0).unwrap();
    assert_eq!(kernel.domain_destroy(app), Err(Error::BadState), "its thread is not joined");
    assert_eq!(kernel.thread_join(worker, Timeout::NoWait), Ok(3));
    assert_eq!(kernel.domain_destroy(app), Ok(()));
    assert_eq!(kernel.domain_destroy(app), Err(Error::InvalidArgument), "destroyed twice");
    assert_eq!(kernel.domain(app).err(), Some(Error::InvalidArgument));
    assert_eq!(kernel.thread_create_in(app, "late", 5, 0, Box::new(|| 0)).err(), Some(Error::InvalidArgument));
    assert_eq!(kernel.domain_destroy(DomainId::KERNEL), Err(Error::InvalidArgument));
    let next = kernel.domain_create("next", DomainKind::UserApp, 0, 20).unwrap();
    assert_eq!(next, app, "the slot is reused");
    assert_eq!(kernel.domain(next).unwrap().name, "next");
}
