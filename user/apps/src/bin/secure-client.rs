//! The normal world's client of the secure service (`docs/monitor.md`): a task of the normal
//! world's supervisor calling the secure world through system call 33 and the monitor, checking
//! every answer, the bad calls' errors included. Exits 0 when every check passed, else 1.
#![no_std]
#![no_main]

use wells_user::secure::*;
use wells_user::{println, secure_call, Error};

wells_user::entry!(main);

/// Checks one call's answer (x0 status, x1 value); prints `ok` or `not ok`.
fn check(name: &str, function: u32, arg1: u64, arg2: u64, status: i64, value: u64) -> bool {
    match secure_call(function, arg1, arg2) {
        Ok(answer) if answer[0] as i64 == status && answer[1] == value => {
            println!("ok - secure {} = ({}, {:#x})", name, status, value);
            true
        }
        Ok(answer) => {
            println!("not ok - secure {}: answered ({}, {:#x}), expected ({}, {:#x})", name, answer[0] as i64, answer[1], status, value);
            false
        }
        Err(error) => {
            println!("not ok - secure {}: system call refused: {}", name, error.describe());
            false
        }
    }
}

/// Checks that the supervisor refuses to pass `function` on.
fn refused(name: &str, function: u32) -> bool {
    match secure_call(function, 0, 0) {
        Err(Error::INVALID_ARGUMENT) => {
            println!("ok - secure_call({}) refused by the supervisor", name);
            true
        }
        other => {
            println!("not ok - secure_call({}) gave {:?}", name, other.map(|a| a[0]));
            false
        }
    }
}

/// Work of the normal world's: a xorshift run `rounds` times.
fn work(rounds: u32) -> u64 {
    let mut x = core::hint::black_box(0x2545_f491_4f6c_dd1du64);
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// The secure world's tick goes on while the normal world works: the secure ticks the service
/// counts grow over some milliseconds of work here (the monitor takes each tick as FIQ, switches
/// to the secure world and back), and the work, done twice, comes out the same both times.
fn secure_ticks_advance() -> bool {
    let ticks = || secure_call(SECURE_TICKS, 0, 0).map(|answer| answer[1]).unwrap_or(0);
    let before = ticks();
    let (first, second) = (work(WORK_ROUNDS), work(WORK_ROUNDS));
    let after = ticks();
    let grew = after.saturating_sub(before);
    if grew >= MIN_TICKS && first == second {
        println!("ok - secure ticks advanced by {} while the normal world worked (its work intact)", grew);
        true
    } else {
        println!("not ok - secure ticks {} -> {} (at least {} more expected), work {:#x} vs {:#x}", before, after, MIN_TICKS, first, second);
        false
    }
}

/// The fewest instructions (the PMU cycle counter under `-icount`, which its kernel lets it
/// read) `call` took over some runs: a secure tick landing in one run does not count.
fn fewest(mut call: impl FnMut()) -> u64 {
    (0..BENCH_RUNS)
        .map(|_| {
            let start = wells_user::cycles();
            call();
            wells_user::cycles() - start
        })
        .min()
        .unwrap_or(0)
}

const BENCH_RUNS: usize = 16;

/// The cost of a secure service call from this task, and of the parts of its path.
fn bench() {
    let refused = fewest(|| {
        let _ = secure_call(0x8000_0000, 0, 0);
    });
    let monitor = fewest(|| {
        let _ = secure_call(SECURE_DONE, 0, 0);
    });
    let service = fewest(|| {
        let _ = secure_call(COUNTER_READ, 0, 0);
    });
    println!("bench: secure_call refused by the supervisor (EL0 -> EL1 -> EL0): {} instructions", refused);
    println!("bench: secure_call answered by the monitor (EL0 -> EL1 -> EL3 -> EL1 -> EL0): {} instructions", monitor);
    println!("bench: secure service call COUNTER_READ (EL0 -> EL1 -> EL3 -> S-EL1 -> S-EL0 and back): {} instructions", service);
}

/// About 2 x 10 ms of work under `-icount` (one instruction a nanosecond).
const WORK_ROUNDS: u32 = 1_500_000;
/// Ticks (1 ms each) the work must at least see.
const MIN_TICKS: u64 = 10;

fn main(_arg: usize) -> i32 {
    let mut ok = true;
    ok &= check("SERVICE_VERSION", SERVICE_VERSION, 0, 0, SUCCESS, VERSION);
    ok &= check("KV_GET(0), the secure world's id", KV_GET, KEY_SECURE_ID, 0, SUCCESS, SECURE_ID);
    // The counter: only the secure world changes it, one step per call.
    let start = match secure_call(COUNTER_READ, 0, 0) {
        Ok(answer) if answer[0] == 0 => answer[1],
        other => {
            println!("not ok - secure COUNTER_READ: {:?}", other.map(|a| a[0]));
            return 1;
        }
    };
    for step in 1..=3 {
        ok &= check("COUNTER_INCREMENT", COUNTER_INCREMENT, 0, 0, SUCCESS, start + step);
    }
    ok &= check("COUNTER_READ after 3 increments", COUNTER_READ, 0, 0, SUCCESS, start + 3);
    // The store.
    ok &= check("KV_PUT(5, 1234)", KV_PUT, 5, 1234, SUCCESS, 0);
    ok &= check("KV_GET(5)", KV_GET, 5, 0, SUCCESS, 1234);
    ok &= check("KV_PUT(5, 0xffffffff)", KV_PUT, 5, 0xffff_ffff, SUCCESS, 0);
    ok &= check("KV_GET(5) after the update", KV_GET, 5, 0, SUCCESS, 0xffff_ffff);
    // Bad inputs: each gets its error, and changes nothing.
    ok &= check("unknown function 0xf00000ff", 0xf000_00ff, 0, 0, NOT_SUPPORTED, 0);
    ok &= check("unknown trusted OS call 0xbf000001", 0xbf00_0001, 0, 0, NOT_SUPPORTED, 0);
    ok &= check("KV_GET(16), a bad key", KV_GET, KEYS, 0, BAD_KEY, 0);
    ok &= check("KV_PUT(1 << 40), a bad key", KV_PUT, 1 << 40, 1, BAD_KEY, 0);
    ok &= check("KV_PUT(0, 1), a read-only key", KV_PUT, KEY_SECURE_ID, 1, DENIED, 0);
    ok &= check("KV_GET(0) unchanged", KV_GET, KEY_SECURE_ID, 0, SUCCESS, SECURE_ID);
    ok &= check("KV_PUT(6, 1 << 32), an oversized value", KV_PUT, 6, 1 << 32, TOO_BIG, 0);
    ok &= check("KV_GET(6), never written", KV_GET, 6, 0, NOT_FOUND, 0);
    ok &= check("SECURE_DONE from the normal world", SECURE_DONE, 0, 0, DENIED, 0);
    ok &= check("SECURE_EVENT_TICK from the normal world", SECURE_EVENT_TICK, 0, 0, DENIED, 0);
    ok &= check("COUNTER_READ unchanged by the bad calls", COUNTER_READ, 0, 0, SUCCESS, start + 3);
    // What the supervisor does not pass on: PSCI, other owners, yielding calls.
    ok &= refused("PSCI SYSTEM_OFF", 0x8400_0008);
    ok &= refused("SMCCC_VERSION", 0x8000_0000);
    ok &= refused("a yielding call", 0x3000_0001);
    ok &= refused("reserved bits set", 0xf001_0001);
    // A bad answer buffer: refused before anything is called.
    // SAFETY: a deliberately bad pointer; the kernel must refuse it.
    let (status, _) = unsafe { wells_user::syscall(wells_user::nr::SECURE_CALL, &[COUNTER_INCREMENT as usize, 0, 0, 0x10]) };
    if status as i32 == Error::INVALID_ARGUMENT.code() {
        println!("ok - secure_call with a bad answer buffer refused");
    } else {
        println!("not ok - secure_call with a bad answer buffer gave {}", status);
        ok = false;
    }
    ok &= check("COUNTER_READ unchanged by the refused call", COUNTER_READ, 0, 0, SUCCESS, start + 3);
    ok &= secure_ticks_advance();
    bench();
    if ok {
        println!("secure-client: every secure call answered as the ABI says");
        0
    } else {
        1
    }
}
