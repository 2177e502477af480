//! The user programs built into this image. They run unprivileged on their own stack slot,
//! use only the stack (no statics: kernel RAM is out of their reach) and reach the kernel only
//! through the user library `wells-user` (its calls, without its program runtime). Same
//! programs as `user/apps` on the A-profile boards, cut to what fits a Cortex-M3.

use crate::facts;
use wells_user::{self as user, println, Error, Handle, FOREVER};

/// Nanoseconds since boot (0 if the call failed, which it does not).
fn time_ns() -> u64 {
    user::time().unwrap_or(0)
}

/// A raw call for the checks that pass bad arguments on purpose; returns the status.
fn raw(nr: usize, args: &[usize]) -> isize {
    // SAFETY: the programs pass only numbers here (bad pointers the kernel must refuse, an
    // unknown call number that must stop the task): no memory of theirs is at stake.
    unsafe { user::syscall(nr, args) }.0
}

macro_rules! program {
    ($(#[$doc:meta])* $name:ident = $main:path) => {
        $(#[$doc])*
        #[allow(non_snake_case)]
        pub extern "C" fn $name(arg: usize) -> ! {
            let code = $main(arg);
            user::exit(code)
        }
    };
}

program!(/// Prints a line and exits 0.
    HELLO = hello);
program!(/// Exercises the system calls; port "loop" must be granted.
    SYSCALL_TEST = syscall_test);
program!(/// 100 round trips: sends on "ping", expects n + 1 on "pong".
    PING = ping);
program!(/// Answers ping until asked to stop.
    PONG = pong);
program!(/// Spins without system calls.
    SPINNER = spinner);
program!(/// Reads address 0.
    FAULT_NULL = fault_null);
program!(/// Writes kernel RAM.
    FAULT_KERNEL_WRITE = fault_kernel_write);
program!(/// Executes an undefined instruction.
    FAULT_UNDEFINED = fault_undefined);
program!(/// Recurses off the bottom of its stack.
    FAULT_STACK = fault_stack);
program!(/// Makes system call 999.
    FAULT_BAD_SYSCALL = fault_bad_syscall);
program!(/// Writes the RAM of another task (address in the argument).
    ISOLATION = isolation);
program!(/// Demo: sends readings on port "readings" every 5 ms.
    DEMO_SENSOR = demo_sensor);
program!(/// Demo: averages 10 readings, sends them on "averages".
    DEMO_FILTER = demo_filter);
program!(/// Demo: prints averages.
    DEMO_LOGGER = demo_logger);
program!(/// Makes `arg` random system calls (`wells_user::fuzz`); port "fuzz" must be granted.
    SYSCALL_FUZZ = syscall_fuzz);
program!(/// On a sealed kernel: every object-creating call must be refused with -19.
    SEALED_PROBE = sealed_probe);

fn hello(arg: usize) -> i32 {
    println!("hello from an unprivileged task (arg {})", arg);
    0
}

fn syscall_fuzz(calls: usize) -> i32 {
    let targets = user::fuzz::Targets {
        // Kernel RAM (its first bytes: task RAM lies further up), the UART, the SCS (MPU, NVIC).
        kernel: &[(facts::RAM_BASE, 0x100), (facts::CONSOLE_BASE, facts::CONSOLE_SIZE), (0xE000_E000, 0x1000)],
        read_only: b"read-only".as_ptr() as usize,
        // What the test gives it.
        priority: 8,
        transactions: false,
    };
    let r = user::fuzz::run(0x5EED_00A3, calls as u64, &targets);
    println!(
        "fuzz syscalls (cortex-m3): {} calls, {} ok, {} violations, {} threads created, {} ran",
        r.calls, r.ok, r.violations, r.threads_created, r.threads_ran
    );
    (r.violations != 0) as i32
}

fn check(ok: bool, what: &str) -> Result<(), i32> {
    if ok {
        Ok(())
    } else {
        println!("syscall-test: FAILED {}", what);
        Err(1)
    }
}

extern "C" fn worker(arg: usize) -> ! {
    user::exit(arg as i32 * 2)
}

fn syscall_test(_arg: usize) -> i32 {
    match syscall_checks() {
        Ok(()) => {
            println!("syscall-test: all calls ok");
            0
        }
        Err(code) => code,
    }
}

fn syscall_checks() -> Result<(), i32> {
    check(user::nop().is_ok(), "nop")?;
    check(user::yield_now().is_ok(), "yield")?;
    let t0 = time_ns();
    check(user::sleep(5).is_ok(), "sleep")?;
    let t1 = time_ns();
    check(t1 >= t0 + 5_000_000, "time advances by the sleep")?;
    let sem = user::sem_create(0, 2).map_err(|_| 1)?;
    check(user::sem_post(sem).is_ok(), "sem_post")?;
    check(user::sem_wait(sem, 0).is_ok(), "sem_wait")?;
    check(user::sem_wait(sem, 0) == Err(Error::WOULD_BLOCK), "sem_wait with no wait would block")?;
    check(user::sem_wait(sem, 10) == Err(Error::TIMEOUT), "sem_wait 10 ms times out")?;
    check(user::sem_post(Handle::from_raw(77)) == Err(Error::INVALID_HANDLE), "bad handle")?;
    // Bad pointers: NULL, kernel RAM, an unaligned wrap: refused, nothing touched.
    check(raw(3, &[0, 4]) == -1, "NULL buffer")?;
    check(raw(3, &[facts::RAM_BASE, 4]) == -1, "kernel buffer")?;
    check(raw(3, &[0xffff_fff0, 64]) == -1, "wrapping buffer")?;
    // Readable for its first 1024 bytes (what one write takes), not beyond: refused whole.
    let stack = [b'.'; 16];
    check(raw(3, &[stack.as_ptr() as usize, 1 << 28]) == -1, "buffer running off memory")?;
    // A name one byte longer than the longest granted one is refused, not compared cut short.
    let longest = wells_board_common::test::user::LONGEST_NAME;
    check(user::port_open(longest).is_ok(), "64-byte name")?;
    let mut longer = [b'x'; 65];
    longer[..64].copy_from_slice(longest.as_bytes());
    check(raw(17, &[longer.as_ptr() as usize, 65]) == -1, "65-byte name")?;
    let port = user::port_open("loop").map_err(|_| 1)?;
    check(user::port_open("nope") == Err(Error::INVALID_ARGUMENT), "ungranted port")?;
    let msg = *b"0123456789abcdef";
    check(user::port_send(port, &msg, 100).is_ok(), "port_send")?;
    let mut back = [0u8; 16];
    check(user::port_receive(port, &mut back, 100) == Ok(16) && back == msg, "port_receive")?;
    check(raw(19, &[port.raw() as usize, facts::RAM_BASE, 16]) == -1, "receive into kernel RAM")?;
    let thread = user::thread_create(worker, 21, 8).map_err(|_| 1)?;
    check(user::thread_join(thread, 1000) == Ok(42), "thread exit code")?;
    Ok(())
}

fn message(n: u32) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[..4].copy_from_slice(&n.to_le_bytes());
    m[4..8].copy_from_slice(&(!n).to_le_bytes());
    m
}

fn number(m: &[u8; 16]) -> Option<u32> {
    let n = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
    let check = u32::from_le_bytes([m[4], m[5], m[6], m[7]]);
    (check == !n).then_some(n)
}

const STOP: u32 = u32::MAX;

fn ping(_arg: usize) -> i32 {
    let (Ok(requests), Ok(replies)) = (user::port_open("ping"), user::port_open("pong")) else {
        return 2;
    };
    for n in 0..100 {
        if user::port_send(requests, &message(n), 5000).is_err() {
            return 2;
        }
        let mut reply = [0u8; 16];
        if user::port_receive(replies, &mut reply, 5000) != Ok(16) || number(&reply) != Some(n + 1) {
            println!("ping: bad reply to {}", n);
            return 1;
        }
    }
    let _ = user::port_send(requests, &message(STOP), 5000);
    println!("ping: 100 round trips ok");
    0
}

fn pong(_arg: usize) -> i32 {
    let (Ok(requests), Ok(replies)) = (user::port_open("ping"), user::port_open("pong")) else {
        return 2;
    };
    loop {
        let mut request = [0u8; 16];
        if user::port_receive(requests, &mut request, 5000) != Ok(16) {
            return 2;
        }
        match number(&request) {
            Some(STOP) => return 0,
            Some(n) => {
                if user::port_send(replies, &message(n + 1), 5000).is_err() {
                    return 2;
                }
            }
            None => return 1,
        }
    }
}

fn spinner(_arg: usize) -> i32 {
    let mut n = 0u32;
    loop {
        n = core::hint::black_box(n.wrapping_add(1));
    }
}

fn read_word(address: usize) -> u32 {
    let value: u32;
    // SAFETY: none; meant to fault.
    unsafe { core::arch::asm!("ldr {v}, [{a}]", v = out(reg) value, a = in(reg) address, options(nostack, readonly)) };
    value
}

fn write_word(address: usize, value: u32) {
    // SAFETY: none; meant to fault.
    unsafe { core::arch::asm!("str {v}, [{a}]", v = in(reg) value, a = in(reg) address, options(nostack)) };
}

fn fault_null(_arg: usize) -> i32 {
    let value = read_word(core::hint::black_box(0));
    println!("FAULT NOT CAUGHT (read {:#x})", value);
    77
}

fn fault_kernel_write(_arg: usize) -> i32 {
    write_word(core::hint::black_box(facts::RAM_BASE), 0xdead_beef);
    println!("FAULT NOT CAUGHT (kernel RAM written)");
    77
}

fn fault_undefined(_arg: usize) -> i32 {
    // SAFETY: none; meant to fault.
    unsafe { core::arch::asm!("udf #7", options(nostack)) };
    println!("FAULT NOT CAUGHT (udf)");
    77
}

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u32) -> u32 {
    let buf = core::hint::black_box([depth; 16]);
    buf[3] + recurse(depth + 1)
}

fn fault_stack(_arg: usize) -> i32 {
    let n = recurse(0);
    println!("FAULT NOT CAUGHT (recursion returned {})", n);
    77
}

fn fault_bad_syscall(_arg: usize) -> i32 {
    raw(999, &[]);
    println!("FAULT NOT CAUGHT (call 999 returned)");
    77
}

fn isolation(victim: usize) -> i32 {
    write_word(victim + 16, 0xbad0_bad0);
    println!("FAULT NOT CAUGHT (wrote another task's RAM)");
    77
}

fn demo_sensor(_arg: usize) -> i32 {
    let Ok(readings) = user::port_open("readings") else { return 2 };
    let mut value = 0u32;
    for _ in 0..100 {
        value = (value * 7 + 13) % 100;
        let _ = user::port_send(readings, &value.to_le_bytes(), 50);
        let _ = user::sleep(5);
    }
    0
}

fn demo_filter(_arg: usize) -> i32 {
    let (Ok(readings), Ok(averages)) = (user::port_open("readings"), user::port_open("averages")) else { return 2 };
    let (mut sum, mut count) = (0u32, 0u32);
    let mut buf = [0u8; 4];
    for _ in 0..100 {
        if user::port_receive(readings, &mut buf, 200).is_err() {
            break;
        }
        sum += u32::from_le_bytes(buf);
        count += 1;
        if count == 10 {
            let _ = user::port_send(averages, &(sum / 10).to_le_bytes(), 200);
            sum = 0;
            count = 0;
        }
    }
    0
}

fn demo_logger(_arg: usize) -> i32 {
    let Ok(averages) = user::port_open("averages") else { return 2 };
    let mut buf = [0u8; 4];
    for n in 0..10 {
        if user::port_receive(averages, &mut buf, 1000).is_err() {
            return 1;
        }
        println!("logger: average {} = {} (t = {} ms)", n, u32::from_le_bytes(buf), time_ns() / 1_000_000);
    }
    0
}

fn sealed_probe(_arg: usize) -> i32 {
    let refused = [
        ("sem_create", user::sem_create(0, 1).err()),
        ("mutex_create", user::mutex_create().err()),
        ("event_create", user::event_create(0).err()),
        ("thread_create", user::thread_create(worker, 0, 1).err()),
    ];
    for (call, error) in refused {
        if error != Some(Error::SEALED) {
            println!("sealed-probe: {} gave {:?}, not {:?}", call, error, Error::SEALED);
            return 1;
        }
    }
    println!("sealed-probe: sem_create, mutex_create, event_create, thread_create refused with {} (sealed)", Error::SEALED.code());
    0
}

// ---- Benchmarks (`src/bin/bench.rs`; the same measurements as `user/apps/src/bin/bench-*`) ----

program!(/// Benchmark: 5 runs of 1000 null calls; sends the median per call on "results".
    BENCH_SYSCALL = bench_syscall);
program!(/// Benchmark: 5 runs of 500 call/reply round trips with BENCH_IPC_SERVER over
    /// "requests" and "replies"; sends the median per round trip on "results".
    BENCH_IPC_CLIENT = bench_ipc_client);
program!(/// Benchmark: answers each request with its number + 1 until the number u32::MAX.
    BENCH_IPC_SERVER = bench_ipc_server);

/// The board's instruction counter as a task reads it: neither board has a counter its tasks
/// may read (the Cortex-M3's SysTick is privileged-only, QEMU's Cortex-R52 has no PMU), so this
/// is the kernel's clock (`time`), in ns: under QEMU `-icount shift=0` one ns is one
/// instruction (see each board's `counter.rs`). 32 bits: subtract with `wrapping_sub`. The
/// call's own cost at both ends of a loop is spread over all its iterations.
fn bench_cycles() -> u32 {
    time_ns() as u32
}

/// The median of 5 runs.
fn median5(mut runs: [u32; 5]) -> u32 {
    runs.sort_unstable();
    runs[2]
}

fn bench_syscall(_arg: usize) -> i32 {
    const CALLS: u32 = 1000;
    let Ok(results) = user::port_open("results") else { return 2 };
    let mut runs = [0u32; 5];
    for run in runs.iter_mut() {
        let start = bench_cycles();
        for _ in 0..CALLS {
            let _ = user::nop();
        }
        *run = bench_cycles().wrapping_sub(start) / CALLS;
    }
    let _ = user::port_send(results, &(median5(runs) as u64).to_le_bytes(), FOREVER);
    0
}

fn bench_ipc_client(_arg: usize) -> i32 {
    const ROUND_TRIPS: u32 = 500;
    let (Ok(requests), Ok(replies), Ok(results)) = (user::port_open("requests"), user::port_open("replies"), user::port_open("results")) else {
        return 2;
    };
    let mut runs = [0u32; 5];
    let mut reply = [0u8; 16];
    for run in runs.iter_mut() {
        let start = bench_cycles();
        for n in 0..ROUND_TRIPS {
            if user::port_send(requests, &message(n), FOREVER).is_err() || user::port_receive(replies, &mut reply, FOREVER) != Ok(16) {
                return 1;
            }
            if number(&reply) != Some(n + 1) {
                return 3;
            }
        }
        *run = bench_cycles().wrapping_sub(start) / ROUND_TRIPS;
    }
    let _ = user::port_send(requests, &message(STOP), FOREVER);
    let _ = user::port_send(results, &(median5(runs) as u64).to_le_bytes(), FOREVER);
    0
}

fn bench_ipc_server(_arg: usize) -> i32 {
    let (Ok(requests), Ok(replies)) = (user::port_open("requests"), user::port_open("replies")) else {
        return 2;
    };
    let mut request = [0u8; 16];
    loop {
        if user::port_receive(requests, &mut request, FOREVER) != Ok(16) {
            return 1;
        }
        match number(&request) {
            Some(STOP) => return 0,
            Some(n) => {
                if user::port_send(replies, &message(n + 1), FOREVER).is_err() {
                    return 1;
                }
            }
            None => return 3,
        }
    }
}
