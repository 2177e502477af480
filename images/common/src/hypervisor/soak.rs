//! The soak of a hypervisor image: one kernel churns threads, timers, ports, semaphores,
//! mutexes, events, shared objects, transactions and VMs for a stretch of virtual time, and
//! checks that nothing accumulates. After a warm-up round the heap's used bytes and live
//! allocation count must be back at the same baseline after every round. Run under QEMU
//! `-icount ... sleep=off`, the idle time between rounds costs nothing, so an hour of virtual
//! time takes minutes.

use crate::test::MS;
use crate::hypervisor::{self, VmPlatform, VmSpec};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_core::mem::HeapStats;
use wells_core::{Kernel, Timeout};

/// Seconds of virtual time a soak image soaks for, fixed when it is built: environment variable
/// WELLS_SOAK_SECONDS (default 10, the suite's short soak; `cargo xtask soak` builds 3600).
pub const SECONDS: u64 = match option_env!("WELLS_SOAK_SECONDS") {
    Some(text) => parse_seconds(text),
    None => 10,
};

/// A decimal number at compile time (a typo fails the build).
const fn parse_seconds(text: &str) -> u64 {
    let bytes = text.as_bytes();
    assert!(!bytes.is_empty(), "WELLS_SOAK_SECONDS is empty");
    let (mut value, mut i) = (0u64, 0);
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "WELLS_SOAK_SECONDS must be a number of seconds");
        value = value * 10 + (bytes[i] - b'0') as u64;
        i += 1;
    }
    value
}

/// Virtual time between the starts of two rounds.
const ROUND_PERIOD_NS: u64 = 20 * MS;
/// A VM is created, run and destroyed every this many rounds (one per virtual second).
const VM_EVERY: u64 = 50;
/// RAM of the soak's bare guest.
const GUEST_RAM: usize = 4 << 20;
/// The bare guest's scenario that spins without an exit (`images/bare-guest`): it is shut down
/// from outside, which takes the VM's whole life cycle through.
const SPIN: u64 = 8;

/// What the soak saw.
#[derive(Default)]
struct Tally {
    rounds: u64,
    vms: u64,
}

/// Runs the soak for `virtual_seconds`; `heap` reads the board's heap use from any thread.
/// Prints a progress line per virtual minute and a summary, and returns the number of failures
/// (0: the heap stayed at its baseline).
pub fn run<P: VmPlatform>(board: &P, bare: &'static [u8], virtual_seconds: u64, heap: fn() -> HeapStats) -> i32 {
    let k = board.new_kernel();
    let outcome: Arc<spin::Mutex<Result<Tally, String>>> = Arc::new(spin::Mutex::new(Err(String::from("the driver never ran"))));
    let result = outcome.clone();
    let driver = k
        .thread_create(
            "soak",
            20,
            P::THREAD_STACK,
            Box::new(move || {
                *result.lock() = drive::<P>(bare, virtual_seconds, heap);
                0
            }),
        )
        .and_then(|t| k.thread_start(t));
    if let Err(e) = driver {
        crate::println!(P, "soak: cannot start the driver: {e}");
        return 1;
    }
    if let Err(e) = k.run() {
        crate::println!(P, "soak: run: {e}");
        return 1;
    }
    let outcome = core::mem::replace(&mut *outcome.lock(), Err(String::new()));
    match outcome {
        Ok(tally) => {
            let stats = board.heap_stats();
            crate::println!(
                P,
                "soak: {} s of virtual time, {} rounds, {} VMs: heap back at its baseline every round ({} bytes, {} allocations at the end)",
                virtual_seconds,
                tally.rounds,
                tally.vms,
                stats.used,
                stats.allocations
            );
            0
        }
        Err(why) => {
            crate::println!(P, "soak: FAILED: {why}");
            1
        }
    }
}

/// The driver thread: rounds until the virtual time is up, the heap checked after each.
fn drive<P: VmPlatform>(bare: &'static [u8], virtual_seconds: u64, heap_stats: fn() -> HeapStats) -> Result<Tally, String> {
    let heap = || {
        let stats = heap_stats();
        (stats.used, stats.allocations)
    };
    let k = P::kernel();
    let start = k.now_ns();
    let end = start + virtual_seconds * 1000 * MS;
    let mut tally = Tally::default();
    // Warm-up: tables that grow once (handles, timeline, run queues) stay grown.
    round::<P>(k).map_err(|e| format!("warm-up round: {e}"))?;
    vm_life::<P>(k, bare).map_err(|e| format!("warm-up VM: {e}"))?;
    let baseline = heap();
    let mut next_report = start + 60_000 * MS;
    while k.now_ns() < end {
        let began = k.now_ns();
        round::<P>(k).map_err(|e| format!("round {}: {e}", tally.rounds))?;
        tally.rounds += 1;
        if tally.rounds % VM_EVERY == 0 {
            vm_life::<P>(k, bare).map_err(|e| format!("VM {}: {e}", tally.vms))?;
            tally.vms += 1;
        }
        let now = heap();
        if now != baseline {
            return Err(format!(
                "after round {}: heap {} bytes in {} allocations, baseline {} bytes in {} allocations",
                tally.rounds, now.0, now.1, baseline.0, baseline.1
            ));
        }
        if k.now_ns() >= next_report {
            crate::println!(P, "soak: {} s, {} rounds, {} VMs, heap {} bytes in {} allocations", (k.now_ns() - start) / (1000 * MS), tally.rounds, tally.vms, now.0, now.1);
            next_report += 60_000 * MS;
        }
        let _ = k.sleep_ns((began + ROUND_PERIOD_NS).saturating_sub(k.now_ns()).max(1));
    }
    Ok(tally)
}

fn step<T>(what: &str, result: wells_core::Result<T>) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e}"))
}

/// One round: every kind of object created, used by several threads, destroyed.
fn round<P: VmPlatform>(k: &'static Kernel<P::Arch>) -> Result<(), String> {
    let port = step("port_create", k.port_create(8, 4))?;
    let ping = step("semaphore_create", k.semaphore_create(0, 1))?;
    let pong = step("semaphore_create", k.semaphore_create(0, 1))?;
    let ticks = step("semaphore_create", k.semaphore_create(0, 100))?;
    let mutex = step("mutex_create", k.mutex_create())?;
    let event = step("event_create", k.event_create(true, false))?;
    let object = step("shared_create", k.shared_create(8))?;
    let txn = step("txn_create", k.txn_create(Timeout::Ns(1000 * MS)))?;
    let timer = step("timer_create", k.timer_create(Box::new(move || {
        let _ = P::kernel().semaphore_post(ticks);
    })))?;
    step("timer_start", k.timer_start(timer, MS, MS))?;
    let failures = Arc::new(AtomicU32::new(0));

    let mut threads = alloc::vec::Vec::new();
    let mut start = |name: &str, priority: u8, body: Box<dyn FnOnce() -> bool + Send>, member: bool| -> Result<(), String> {
        let failed = failures.clone();
        let mut body = Some(body);
        let entry = Box::new(move || {
            if !(body.take().expect("runs once"))() {
                failed.fetch_add(1, Ordering::SeqCst);
            }
            0
        });
        let thread = step("thread_create", k.thread_create(name, priority, P::THREAD_STACK, entry))?;
        if member {
            step("txn_add_member", k.txn_add_member(txn, thread))?;
        }
        step("thread_start", k.thread_start(thread))?;
        threads.push(thread);
        Ok(())
    };
    start("producer", 10, Box::new(move || (1..=32u64).all(|i| P::kernel().port_send(port, &i.to_le_bytes(), Timeout::Forever).is_ok())), false)?;
    start("consumer", 12, Box::new(move || {
        let mut sum = 0;
        let mut buf = [0u8; 8];
        for _ in 0..32 {
            if P::kernel().port_receive(port, &mut buf, Timeout::Forever).is_err() {
                return false;
            }
            sum += u64::from_le_bytes(buf);
        }
        sum == 32 * 33 / 2
    }), false)?;
    start("pinger", 10, Box::new(move || (0..16).all(|_| P::kernel().semaphore_post(ping).is_ok() && P::kernel().semaphore_wait(pong, Timeout::Forever).is_ok())), false)?;
    start("ponger", 10, Box::new(move || (0..16).all(|_| P::kernel().semaphore_wait(ping, Timeout::Forever).is_ok() && P::kernel().semaphore_post(pong).is_ok())), false)?;
    for (name, priority) in [("locker-a", 8), ("locker-b", 14)] {
        start(name, priority, Box::new(move || {
            let k = P::kernel();
            let locked = (0..50).all(|i| {
                k.mutex_lock(mutex, Timeout::Forever).is_ok() && (i % 10 != 0 || k.yield_now().is_ok()) && k.mutex_unlock(mutex).is_ok()
            });
            // A wait that times out: its wait-queue and timeline entries must go too.
            locked && k.event_wait(event, Timeout::Ns(MS)) == Err(wells_core::Error::Timeout)
        }), false)?;
    }
    for (name, add) in [("member-a", 1u64), ("member-b", 2)] {
        start(name, 9, Box::new(move || {
            let k = P::kernel();
            let mut value = [0u8; 8];
            k.txn_read(txn, object, &mut value).is_ok()
                && k.txn_write(txn, object, &(u64::from_le_bytes(value) + add).to_le_bytes()).is_ok()
                && k.txn_vote(txn, true, Timeout::Ns(1000 * MS)).is_ok()
        }), true)?;
    }
    for _ in 0..3 {
        step("semaphore_wait (timer)", k.semaphore_wait(ticks, Timeout::Ns(100 * MS)))?;
    }
    for thread in threads {
        let code = step("thread_join", k.thread_join(thread, Timeout::Ns(1000 * MS)))?;
        if code != 0 {
            return Err(format!("a thread ended with {code}"));
        }
    }
    let failed = failures.load(Ordering::SeqCst);
    if failed != 0 {
        return Err(format!("{failed} threads saw a call fail"));
    }
    let mut value = [0u8; 8];
    step("shared_read", k.shared_read(object, &mut value))?;
    if !(1..=3).contains(&u64::from_le_bytes(value)) {
        return Err(format!("the transaction left {} in the object", u64::from_le_bytes(value)));
    }
    step("timer_cancel", k.timer_cancel(timer))?;
    step("timer_destroy", k.timer_destroy(timer))?;
    step("txn_destroy", k.txn_destroy(txn))?;
    step("shared_destroy", k.shared_destroy(object))?;
    step("event_destroy", k.event_destroy(event))?;
    step("mutex_destroy", k.mutex_destroy(mutex))?;
    for sem in [ticks, pong, ping] {
        step("semaphore_destroy", k.semaphore_destroy(sem))?;
    }
    step("port_destroy", k.port_destroy(port))
}

/// A VM's whole life: started, run for a while (it spins), shut down, destroyed.
fn vm_life<P: VmPlatform>(k: &'static Kernel<P::Arch>, bare: &'static [u8]) -> Result<(), String> {
    let spec = VmSpec { arg: SPIN, priority: 5, ..VmSpec::new("soaker", bare, P::RAM_IPA, GUEST_RAM) };
    let vm = hypervisor::start::<P>(k, &spec)?;
    step("sleep", k.sleep_ns(2 * MS))?;
    step("shut_down", hypervisor::shut_down::<P>(k, vm.domain, "soak round over"))?;
    step("destroy", hypervisor::destroy::<P>(k, vm.domain))
}
