//! Thread affinity through the kernel API on a one-CPU kernel (`MAX_CPUS` = 1, the default
//! build): CPU 0's bit is the only valid set; every bad set, handle and state gets its error.
//! The several-CPU side (picking, offering, moving) is tested in `kernel/affinity.rs` with
//! feature `smp` and on QEMU by `wells-smp-kernel-test`.

mod common;
use common::{Log, World};
use wells_core::kernel::percpu::{ALL_CPUS, MAX_CPUS};
use wells_core::{Error, Handle, Timeout};

#[test]
fn one_cpu_takes_only_cpu_0() {
    let world = World::new();
    let k = world.kernel;
    assert_eq!(k.present_cpus(), 1);
    let t = k.thread_create("t", 5, 0, Box::new(|| 0)).unwrap();
    assert_eq!(k.thread_affinity(t), Ok(ALL_CPUS));
    assert_eq!(ALL_CPUS, (1 << MAX_CPUS) - 1);
    // Empty, and CPUs this kernel cannot have: past MAX_CPUS, with CPU 0 or without.
    for cpus in [0, 1 << MAX_CPUS, 1 << MAX_CPUS | 1, u32::MAX, 1 << 31] {
        assert_eq!(k.thread_set_affinity(t, cpus), Err(Error::InvalidArgument), "{cpus:#x}");
        assert_eq!(k.thread_affinity(t), Ok(ALL_CPUS));
    }
    assert_eq!(k.thread_set_affinity(t, 1), Ok(()));
    assert_eq!(k.thread_affinity(t), Ok(1));
    assert_eq!(k.thread_discard(t), Ok(()));
    assert_eq!(k.thread_affinity(t), Err(Error::InvalidHandle));
}

#[test]
fn bad_handles_and_ended_threads_get_errors() {
    let world = World::new();
    let k = world.kernel;
    // A semaphore: built in every configuration (mutexes are a feature).
    let semaphore = k.semaphore_create(0, 1).unwrap();
    assert_eq!(k.thread_set_affinity(semaphore, 1), Err(Error::WrongKind));
    assert_eq!(k.thread_affinity(semaphore), Err(Error::WrongKind));
    assert_eq!(k.thread_set_affinity(Handle::from_raw(0), 1), Err(Error::InvalidHandle));
    assert_eq!(k.thread_affinity(Handle::from_raw(0xdead_beef)), Err(Error::InvalidHandle));
    // The set is checked before the handle: an empty set is refused whatever it names.
    assert_eq!(k.thread_set_affinity(Handle::from_raw(0), 0), Err(Error::InvalidArgument));
    let done = world.spawn("done", 5, || 7);
    world.run().unwrap();
    // Exited, not joined: its set is read, not changed.
    assert_eq!(k.thread_affinity(done), Ok(ALL_CPUS));
    assert_eq!(k.thread_set_affinity(done, 1), Err(Error::BadState));
    assert_eq!(k.thread_join(done, Timeout::NoWait), Ok(7));
    assert_eq!(k.thread_set_affinity(done, 1), Err(Error::InvalidHandle));
}

#[test]
fn a_thread_pinned_to_cpu_0_runs_as_before() {
    let world = World::new();
    let (k, log) = (world.kernel, Log::default());
    let inner = log.clone();
    let pinned = k.thread_create("pinned", 5, 0, Box::new(move || {
        let me = k.current_thread().unwrap();
        // Pinning the running thread to its own CPU moves nothing.
        inner.push(format!("{:?}", k.thread_set_affinity(me, 1)));
        inner.push(format!("{:?}", k.thread_affinity(me)));
        0
    })).unwrap();
    assert_eq!(k.thread_set_affinity(pinned, 1), Ok(()));
    k.thread_start(pinned).unwrap();
    world.spawn("after", 4, {
        let log = log.clone();
        move || {
            log.push("after");
            0
        }
    });
    world.run().unwrap();
    assert_eq!(log.take(), ["Ok(())", "Ok(1)", "after"]);
}
