//! Static configuration: a kernel reserved from bounds and sealed makes no heap allocation
//! while its threads sleep, time out, pass port messages, use semaphores, mutexes, events,
//! timers and joins, exit, and stop a domain; and it refuses every object creation with
//! `Sealed`.
//!
//! This test binary has its own global allocator, which counts the allocations of host threads
//! that asked for it: the kernel's threads all run on the one host thread that runs the kernel,
//! and they open and close the measured window themselves.
// Needs the whole kernel: a small configuration answers these calls with NotSupported
// (tests/small_configuration.rs).
#![cfg(all(feature = "transactions", feature = "decision-sets", feature = "telemetry", feature = "timers"))]

mod common;
use common::{World, MS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use wells_core::domain::DomainKind;
use wells_core::kernel::StaticBounds;
use wells_core::{Error, Timeout};

/// Counts allocations (and reallocations, which may move to new memory).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This host thread's allocations are counted (other tests run on other threads).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards every call unchanged to the system allocator; the counter is atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

const ROUNDS: u32 = 50;
const BOUNDS: StaticBounds = StaticBounds { objects: 10, threads: 4, held_mutexes: 1 };

#[test]
fn a_sealed_kernel_does_its_work_without_allocating() {
    // The counter counts: without this the test below could not fail.
    COUNTED.with(|c| c.set(true));
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    drop(std::hint::black_box(Box::new(7u64)));
    assert!(ALLOCATIONS.load(Ordering::SeqCst) > before, "the counting allocator counts nothing");
    COUNTED.with(|c| c.set(false));

    let world = World::new();
    let k = world.kernel;
    assert_eq!(k.seal(), Err(Error::BadState), "sealing needs reserved bounds");
    k.reserve(BOUNDS).unwrap();
    assert_eq!(k.reserve(BOUNDS), Err(Error::BadState), "only once, before any object");

    let port = k.port_create(8, 2).unwrap();
    let items = k.semaphore_create(0, 10).unwrap();
    let lock = k.mutex_create().unwrap();
    let other_lock = k.mutex_create().unwrap();
    let ready = k.event_create(false, false).unwrap();
    static TICKS: AtomicUsize = AtomicUsize::new(0);
    let timer = k.timer_create(Box::new(|| {
        TICKS.fetch_add(1, Ordering::Relaxed);
    }))
    .unwrap();

    // Measured by the threads: from the consumer's first call to the last thread's end.
    static START: AtomicU64 = AtomicU64::new(0);
    static END: AtomicU64 = AtomicU64::new(0);
    static CHECKS: AtomicBool = AtomicBool::new(true);
    static TIMEOUTS: AtomicUsize = AtomicUsize::new(0);
    let check = |ok: bool| {
        if !ok {
            CHECKS.store(false, Ordering::SeqCst);
        }
    };

    let producer = world.spawn("producer", 10, move || {
        for n in 0..ROUNDS as u64 {
            check(k.port_send(port, &n.to_le_bytes(), Timeout::Ns(100 * MS)).is_ok());
            check(k.semaphore_post(items).is_ok());
            check(k.event_set(ready).is_ok());
            check(k.mutex_lock(lock, Timeout::Forever).is_ok());
            // One held mutex is the bound: a second is refused, not grown into.
            check(k.mutex_lock(other_lock, Timeout::NoWait) == Err(Error::Limit));
            check(k.sleep_ns(MS).is_ok());
            check(k.mutex_unlock(lock).is_ok());
        }
        0
    });
    let consumer = world.spawn("consumer", 12, move || {
        COUNTED.with(|c| c.set(true));
        START.store(ALLOCATIONS.load(Ordering::SeqCst), Ordering::SeqCst);
        check(k.timer_start(timer, MS, 2 * MS).is_ok());
        let mut buf = [0u8; 8];
        for n in 0..ROUNDS as u64 {
            check(k.port_receive(port, &mut buf, Timeout::Ns(100 * MS)) == Ok(8) && u64::from_le_bytes(buf) == n);
            check(k.semaphore_wait(items, Timeout::Ns(100 * MS)).is_ok());
            check(k.event_wait(ready, Timeout::Ns(100 * MS)).is_ok());
            check(k.event_reset(ready).is_ok());
            // The producer holds the mutex through its 1 ms sleep: the consumer waits for it
            // (the producer inherits its priority), and the wait times out.
            check(k.sleep_ns(MS / 4).is_ok());
            check(k.mutex_lock(lock, Timeout::Ns(MS / 4)) == Err(Error::Timeout));
            TIMEOUTS.fetch_add(1, Ordering::Relaxed);
        }
        check(k.timer_cancel(timer).is_ok());
        0
    });
    // A thread of another domain, stopped (as a faulting task is) while it sleeps.
    let domain = k.domain_create("doomed", DomainKind::UserApp, 0, 10).unwrap();
    let sleeper = k.thread_create_in(domain, "sleeper", 3, 0, Box::new(move || {
        let _ = k.sleep_ns(10_000 * MS);
        0
    })).unwrap();
    k.thread_start(sleeper).unwrap();
    world.spawn("joiner", 5, move || {
        check(k.thread_join(producer, Timeout::Forever) == Ok(0));
        check(k.thread_join(consumer, Timeout::Forever) == Ok(0));
        check(k.domain_live_threads(domain) == 1);
        check(k.domain_stop(domain, -7).is_ok());
        check(k.thread_join(sleeper, Timeout::Forever) == Ok(-7));
        check(k.domain_live_threads(domain) == 0);
        END.store(ALLOCATIONS.load(Ordering::SeqCst), Ordering::SeqCst);
        0
    });
    assert_eq!(k.thread_create("extra", 5, 0, Box::new(|| 0)).err(), Some(Error::Limit), "bounds: 10 objects");

    k.seal().unwrap();
    assert!(k.is_sealed());
    assert_eq!(k.mutex_create().err(), Some(Error::Sealed));
    assert_eq!(k.semaphore_create(0, 1).err(), Some(Error::Sealed));
    assert_eq!(k.event_create(true, false).err(), Some(Error::Sealed));
    assert_eq!(k.port_create(8, 1).err(), Some(Error::Sealed));
    assert_eq!(k.timer_create(Box::new(|| {})).err(), Some(Error::Sealed));
    assert_eq!(k.thread_create("late", 5, 0, Box::new(|| 0)).err(), Some(Error::Sealed));
    assert_eq!(k.domain_create("late", DomainKind::UserApp, 0, 5).err(), Some(Error::Sealed));
    assert_eq!(k.telemetry_enable(16), Err(Error::Sealed));
    assert_eq!(k.shared_create(8).err(), Some(Error::Sealed));
    assert_eq!(k.txn_create(Timeout::Forever).err(), Some(Error::Sealed));
    assert_eq!(k.reserve(BOUNDS), Err(Error::Sealed));
    assert!(k.policy_load(&[0u8; 16]).is_err());

    world.run().unwrap();
    assert!(CHECKS.load(Ordering::SeqCst), "a call gave an unexpected result");
    assert!(TICKS.load(Ordering::Relaxed) >= 10, "the periodic timer ran");
    assert_eq!(TIMEOUTS.load(Ordering::Relaxed), ROUNDS as usize);
    let (start, end) = (START.load(Ordering::SeqCst), END.load(Ordering::SeqCst));
    assert!(start > 0 && end > 0, "the window was taken");
    assert_eq!(end - start, 0, "allocations while the sealed kernel worked: {}", end - start);
}

#[test]
fn sealing_refuses_kernels_with_transactions() {
    let world = World::new();
    let k = world.kernel;
    k.reserve(StaticBounds { objects: 4, threads: 1, held_mutexes: 0 }).unwrap();
    let txn = k.txn_create(Timeout::Forever).unwrap();
    assert_eq!(k.seal(), Err(Error::BadState));
    assert!(!k.is_sealed());
    k.txn_destroy(txn).unwrap();
    k.seal().unwrap();
    assert_eq!(k.reserve(StaticBounds { objects: 4, threads: 5, held_mutexes: 0 }), Err(Error::Sealed));
}

#[test]
fn bounds_must_be_coherent() {
    let world = World::new();
    let k = world.kernel;
    assert_eq!(k.reserve(StaticBounds { objects: 2, threads: 3, held_mutexes: 1 }), Err(Error::BadState), "more threads than objects");
    k.mutex_create().unwrap();
    assert_eq!(k.reserve(StaticBounds { objects: 8, threads: 3, held_mutexes: 1 }), Err(Error::BadState), "objects exist already");
}
