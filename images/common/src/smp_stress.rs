//! What the CPUs a board's `smp` brought up do together before they park (arm64, Cortex-A15):
//! checks that the memory they share behaves as a kernel on every core needs it to (normal,
//! write-back, inner-shareable memory: exclusives and acquire/release work across cores). Every CPU increments one counter
//! under a spin lock (the lock type that guards the kernel's state); a lost update shows as a
//! wrong total. Then the boot CPU and each secondary in turn pass a sequence of values back and
//! forth through one word, each value checked on arrival.

use crate::println;
use crate::timer_host::GenericTimer;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// A spin-wait's pause: the Arm `yield` hint. Under QEMU's one-thread TCG (`-icount`, the SMP
/// bench) it hands the host thread to the next CPU at once, so a CPU waiting for another does
/// not spin out its whole turn; on hardware and under multi-threaded TCG it is a hint only.
/// (`core::hint::spin_loop` is an `isb` on arm64, which QEMU does not treat so.) As a guest of
/// the wells hypervisor ([`yield_to_hypervisor`]) it yields the vCPU with wells' yield
/// hypercall instead: the vCPU it waits for may share its physical CPU, and neither `yield` nor
/// `wfe` traps on QEMU.
#[inline(always)]
pub fn relax() {
    if VM_YIELD.load(Ordering::Relaxed) {
        hypervisor_call(crate::hypervisor::hypercalls::WELLS_YIELD);
        return;
    }
    // SAFETY: a hint instruction: no memory, register or flag is touched.
    unsafe { core::arch::asm!("yield", options(nomem, nostack, preserves_flags)) };
}

/// A call to the hypervisor (HVC) on this CPU.
#[cfg(target_arch = "aarch64")]
use wells_core::arch::aarch64::psci::call as hypervisor_call;
#[cfg(target_arch = "arm")]
use wells_core::arch::arm::psci::call as hypervisor_call;

/// Set when this image runs as a guest of the wells hypervisor: [`relax`] yields the vCPU.
static VM_YIELD: AtomicBool = AtomicBool::new(false);

/// A guest of the wells hypervisor: spin-waits yield the vCPU through wells' yield
/// hypercall, so a vCPU waiting for another that shares its physical CPU lets it run at once
/// (a paravirtual pause).
pub fn yield_to_hypervisor(on: bool) {
    VM_YIELD.store(on, Ordering::Relaxed);
}

/// Increments per CPU under the lock.
const INCREMENTS: u64 = 100_000;
/// Values passed each way per secondary.
const PING_PONGS: u64 = 10_000;
/// How long the boot CPU waits for the others, in seconds of the counter (the host's clock
/// without `-icount`): only a CPU that never finishes waits this long.
const WAIT_SECONDS: u64 = 300;

static GO: AtomicBool = AtomicBool::new(false);
static COUNTER: spin::Mutex<u64> = spin::Mutex::new(0);
static DONE: AtomicU32 = AtomicU32::new(0);
/// The ping-pong: which secondary plays now, and the word: odd values from the boot CPU, even
/// ones back.
static PLAYER: AtomicU32 = AtomicU32::new(0);
static BALL: AtomicU64 = AtomicU64::new(0);
/// Values a secondary found wrong on arrival.
static BAD_BALLS: AtomicU64 = AtomicU64::new(0);

/// The secondary's part: the lock, then its ping-pong turn. Returns when both are done.
pub fn secondary(cpu: usize) {
    while !GO.load(Ordering::Acquire) {
        relax();
    }
    increment();
    DONE.fetch_add(1, Ordering::Release);
    while PLAYER.load(Ordering::Acquire) != cpu as u32 {
        relax();
    }
    for round in 0..PING_PONGS {
        let serve = 2 * round + 1;
        let got = wait_ball(|value| value % 2 == 1);
        if got != serve {
            BAD_BALLS.fetch_add(1, Ordering::Relaxed);
        }
        BALL.store(got + 1, Ordering::Release);
    }
}

fn increment() {
    for _ in 0..INCREMENTS {
        *COUNTER.lock() += 1;
    }
}

/// Spins until the ball holds a value `ready` accepts, and answers it.
fn wait_ball(ready: impl Fn(u64) -> bool) -> u64 {
    loop {
        let value = BALL.load(Ordering::Acquire);
        if ready(value) {
            return value;
        }
        relax();
    }
}

/// The boot CPU's part, once every secondary reported in; `secondaries` are their numbers.
/// Prints a line per check; true when all pass.
pub fn boot_cpu<P: GenericTimer>(secondaries: &[usize]) -> bool {
    GO.store(true, Ordering::Release);
    increment();
    let (start, frequency) = P::counter();
    while DONE.load(Ordering::Acquire) < secondaries.len() as u32 {
        if P::counter().0 - start > WAIT_SECONDS * frequency {
            break;
        }
        relax();
    }
    let total = *COUNTER.lock();
    let expected = (secondaries.len() as u64 + 1) * INCREMENTS;
    let locked = total == expected;
    println!(P, "{} - smp: a counter incremented under a spin lock by {} CPUs: {total} (expected {expected})", if locked { "ok" } else { "not ok" }, secondaries.len() + 1);
    let mut good = locked;
    for &cpu in secondaries {
        BALL.store(0, Ordering::Release);
        PLAYER.store(cpu as u32, Ordering::Release);
        let mut wrong = 0;
        for round in 0..PING_PONGS {
            BALL.store(2 * round + 1, Ordering::Release);
            let (start, frequency) = P::counter();
            let got = loop {
                let value = BALL.load(Ordering::Acquire);
                if value.is_multiple_of(2) || P::counter().0 - start > WAIT_SECONDS * frequency {
                    break value;
                }
                relax();
            };
            if got != 2 * round + 2 {
                wrong += 1;
                break;
            }
        }
        let bad = wrong + BAD_BALLS.swap(0, Ordering::Relaxed);
        let mark = if bad == 0 { "ok" } else { "not ok" };
        println!(P, "{mark} - smp: {PING_PONGS} values passed to CPU {cpu} and back, each checked: {bad} wrong");
        good &= bad == 0;
    }
    good
}
