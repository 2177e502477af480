//! Exercises every system call of docs/syscalls.md from EL0 and checks the results: one
//! `user ok - <name>` / `user not ok - <name>: <why>` line per check, then
//! `user syscall-test: N passed, N failed`; the exit code is the number of failures.
//!
//! Needs a port named "loop" granted to the task (16-byte messages, capacity 4), also under
//! the 64-byte name [`LONGEST_NAME`]. Its argument is the CPU set its first thread was pinned
//! to (bit n: CPU n) on a kernel of several CPUs; 0 on a kernel of one CPU.
#![no_std]
#![no_main]

use core::fmt::{self, Debug};
use core::sync::atomic::{AtomicUsize, Ordering};

use wells_user::thread::{self, Thread};
use wells_user::*;

wells_user::entry!(main);

/// The board the kernel runs on (`boards/*.toml`, chosen by `build.rs`).
#[allow(dead_code)]
mod facts {
    include!(concat!(env!("OUT_DIR"), "/facts.rs"));
}

/// The kernel's image (where it is in RAM, else its RAM): the kernel's only.
const KERNEL_ADDR: usize = if facts::IMAGE_BASE > facts::RAM_BASE { facts::IMAGE_BASE } else { facts::RAM_BASE };
/// A handle number this task never created.
const NEVER_CREATED: u32 = 12345;
/// Priority of the helper threads (main waits for them in join, so any priority works).
const HELPER_PRIORITY: u32 = 8;
const MS: u64 = 1_000_000;

/// The longest name a task may open: the "loop" port is granted under it too.
const LONGEST_NAME: &str = "loop-named-with-exactly-64-bytes-the-longest-name-tasks-may-open";
/// More than console_write writes at once (4096 bytes), all of it printable.
static DOTS: [u8; 4096] = [b'.'; 4096];

/// A read-only buffer (in .rodata, mapped R): the kernel must refuse to write into it.
static READ_ONLY: [u8; 16] = [0xA5; 16];
/// What a helper thread saw, for main to check after join.
static HELPER_STACK: AtomicUsize = AtomicUsize::new(0);
/// The handle a probe thread works on.
static PROBE_HANDLE: AtomicUsize = AtomicUsize::new(0);

struct Tally {
    passed: u32,
    failed: u32,
}

impl Tally {
    fn pass(&mut self, name: &str) {
        self.passed += 1;
        println!("user ok - {}", name);
    }

    fn fail(&mut self, name: &str, why: fmt::Arguments<'_>) {
        self.failed += 1;
        println!("user not ok - {}: {}", name, why);
    }

    fn check(&mut self, name: &str, ok: bool, why: fmt::Arguments<'_>) {
        if ok {
            self.pass(name)
        } else {
            self.fail(name, why)
        }
    }

    /// Passes on `Ok`; returns the value.
    fn ok<T>(&mut self, name: &str, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => {
                self.pass(name);
                Some(value)
            }
            Err(e) => {
                self.fail(name, format_args!("got {}", e));
                None
            }
        }
    }

    /// Passes when the call failed with `want`.
    fn err<T: Debug>(&mut self, name: &str, result: Result<T, Error>, want: Error) {
        match result {
            Err(e) if e == want => self.pass(name),
            Err(e) => self.fail(name, format_args!("got {}, want {}", e, want)),
            Ok(v) => self.fail(name, format_args!("got Ok({:?}), want {}", v, want)),
        }
    }

    /// Passes when a raw call returned status `want`.
    fn raw(&mut self, name: &str, (status, value): (isize, usize), want: isize) {
        self.check(
            name,
            status == want,
            format_args!("got status {} (value {:#x}), want {}", status, value, want),
        );
    }
}

fn now() -> u64 {
    time().unwrap_or(0)
}

fn main(arg: usize) -> i32 {
    let mut t = Tally {
        passed: 0,
        failed: 0,
    };
    println!("user syscall-test: start");
    console(&mut t);
    clock(&mut t);
    threads(&mut t);
    mutexes(&mut t);
    semaphores(&mut t);
    events(&mut t);
    handles(&mut t);
    ports(&mut t);
    classes(&mut t);
    affinity(&mut t, arg as u32);
    println!(
        "user syscall-test: {} passed, {} failed",
        t.passed, t.failed
    );
    t.failed as i32
}

fn console(t: &mut Tally) {
    let text = b"user syscall-test: console_write says hi\n";
    match console_write(text) {
        Ok(n) => t.check(
            "console_write",
            n == text.len(),
            format_args!("wrote {} of {}", n, text.len()),
        ),
        Err(e) => t.fail("console_write", format_args!("got {}", e)),
    }
    // SAFETY (all raw calls below): the kernel must refuse these pointers and touch nothing.
    t.raw(
        "console_write NULL -> -1 (task not stopped)",
        unsafe { syscall(nr::CONSOLE_WRITE, &[0, 16]) },
        -1,
    );
    t.raw(
        "console_write kernel address -> -1 (task not stopped)",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::CONSOLE_WRITE, &[KERNEL_ADDR, 16]) },
        -1,
    );
    t.raw(
        "console_write length past the end of memory -> -1",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::CONSOLE_WRITE, &[text.as_ptr() as usize, usize::MAX - 8]) },
        -1,
    );
    // Its first 4096 bytes are readable, the rest is not: refused whole, nothing written (it
    // used to write the 4096 dots and return 4096).
    t.raw(
        "console_write of a long buffer running off memory -> -1, nothing written",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::CONSOLE_WRITE, &[DOTS.as_ptr() as usize, 1 << 28]) },
        -1,
    );
}

fn clock(t: &mut Tally) {
    let t0 = now();
    let t1 = now();
    t.check(
        "time increases",
        t0 > 0 && t1 >= t0,
        format_args!("{} then {}", t0, t1),
    );
    let before = now();
    let slept = sleep(10);
    let after = now();
    match slept {
        Ok(()) => t.check(
            "sleep 10 ms takes >= 10 ms",
            after >= before + 10 * MS,
            format_args!("took {} ns", after.wrapping_sub(before)),
        ),
        Err(e) => t.fail("sleep 10 ms takes >= 10 ms", format_args!("got {}", e)),
    }
    t.ok("yield", yield_now());
}

/// Records where its stack is and exits with `arg + 1000`.
extern "C" fn child(arg: usize) -> ! {
    let local = 0u32;
    HELPER_STACK.store(&local as *const u32 as usize, Ordering::SeqCst);
    exit(arg as i32 + 1000)
}

fn threads(t: &mut Tally) {
    let local = 0u32;
    let main_stack = &local as *const u32 as usize;
    let Some(thread) = t.ok("thread_create", thread::spawn(child, 7, HELPER_PRIORITY)) else {
        return;
    };
    match thread.join(FOREVER) {
        Ok(code) => t.check(
            "thread_join returns the exit code",
            code == 1007,
            format_args!("got {}, want 1007", code),
        ),
        Err(e) => t.fail(
            "thread_join returns the exit code",
            format_args!("got {}", e),
        ),
    }
    let stack = HELPER_STACK.load(Ordering::SeqCst);
    t.check(
        "new thread runs on its own stack",
        stack != 0 && stack < 0xC000_0000 && stack.abs_diff(main_stack) >= 16 * 1024,
        format_args!(
            "thread local at {:#x}, main local at {:#x}",
            stack, main_stack
        ),
    );
    let mutex = mutex_create().unwrap_or(Handle::from_raw(NEVER_CREATED));
    t.err(
        "thread_join of a mutex -> -3",
        thread_join(mutex, NO_WAIT),
        Error::WRONG_KIND,
    );
}

/// What a probe thread does to the object in PROBE_HANDLE; it exits with the status it got
/// (-77: a 10 ms lock timed out early).
const PROBE_UNLOCK: usize = 0;
const PROBE_LOCK_NO_WAIT: usize = 1;
const PROBE_LOCK_10_MS: usize = 2;
const PROBE_EVENT_WAIT: usize = 3;
const PROBE_SEM_POST: usize = 4;
const PROBE_SLEEP_SEM_POST: usize = 5;

extern "C" fn probe(op: usize) -> ! {
    let h = Handle::from_raw(PROBE_HANDLE.load(Ordering::SeqCst) as u32);
    let result = match op {
        PROBE_UNLOCK => mutex_unlock(h),
        PROBE_LOCK_NO_WAIT => mutex_lock(h, NO_WAIT),
        PROBE_LOCK_10_MS => {
            let before = now();
            let r = mutex_lock(h, 10);
            if r == Err(Error::TIMEOUT) && now() < before + 10 * MS {
                exit(-77); // timed out before the 10 ms were up
            }
            r
        }
        PROBE_EVENT_WAIT => event_wait(h, FOREVER),
        PROBE_SEM_POST => sem_post(h),
        PROBE_SLEEP_SEM_POST => sleep(5).and_then(|()| sem_post(h)),
        _ => Err(Error::INVALID_ARGUMENT),
    };
    exit(match result {
        Ok(()) => 0,
        Err(e) => e.code(),
    })
}

/// Runs `probe(op)` on `h` in a new thread and returns its exit code.
fn run_probe(h: Handle, op: usize) -> Result<i32, Error> {
    PROBE_HANDLE.store(h.raw() as usize, Ordering::SeqCst);
    let thread: Thread = thread::spawn(probe, op, HELPER_PRIORITY)?;
    thread.join(FOREVER)
}

/// Passes when the probe thread ended with status `want`.
fn probe_check(t: &mut Tally, name: &str, h: Handle, op: usize, want: Error) {
    match run_probe(h, op) {
        Ok(code) => t.check(
            name,
            code == want.code(),
            format_args!("thread got {}, want {}", code, want),
        ),
        Err(e) => t.fail(name, format_args!("could not run the thread: {}", e)),
    }
}

fn mutexes(t: &mut Tally) {
    let Some(m) = t.ok("mutex_create", mutex_create()) else {
        return;
    };
    t.ok("mutex_lock", mutex_lock(m, FOREVER));
    t.ok("mutex_unlock", mutex_unlock(m));
    t.err(
        "mutex_unlock when unlocked -> -8",
        mutex_unlock(m),
        Error::NOT_OWNER,
    );
    t.ok("mutex_lock again", mutex_lock(m, NO_WAIT));
    t.err(
        "mutex_lock by the owner -> -9",
        mutex_lock(m, NO_WAIT),
        Error::DEADLOCK,
    );
    probe_check(
        t,
        "mutex_unlock by a non-owner thread -> -8",
        m,
        PROBE_UNLOCK,
        Error::NOT_OWNER,
    );
    probe_check(
        t,
        "mutex_lock NO_WAIT while held elsewhere -> -7",
        m,
        PROBE_LOCK_NO_WAIT,
        Error::WOULD_BLOCK,
    );
    probe_check(
        t,
        "mutex_lock 10 ms while held elsewhere -> -6 after >= 10 ms",
        m,
        PROBE_LOCK_10_MS,
        Error::TIMEOUT,
    );
    t.ok("mutex_unlock by the owner", mutex_unlock(m));
}

fn semaphores(t: &mut Tally) {
    t.err(
        "sem_create initial > max -> -1",
        sem_create(3, 2),
        Error::INVALID_ARGUMENT,
    );
    let Some(s) = t.ok("sem_create", sem_create(0, 2)) else {
        return;
    };
    t.err(
        "sem_wait NO_WAIT on 0 -> -7",
        sem_wait(s, NO_WAIT),
        Error::WOULD_BLOCK,
    );
    let before = now();
    let r = sem_wait(s, 10);
    let took = now().wrapping_sub(before);
    t.err("sem_wait 10 ms on 0 -> -6", r, Error::TIMEOUT);
    t.check(
        "sem_wait timeout waits >= 10 ms",
        took >= 10 * MS,
        format_args!("took {} ns", took),
    );
    t.ok("sem_post", sem_post(s));
    t.ok("sem_wait takes the unit", sem_wait(s, NO_WAIT));
    t.ok("sem_post 1 of 2", sem_post(s));
    t.ok("sem_post 2 of 2", sem_post(s));
    t.err("sem_post at max -> -5", sem_post(s), Error::LIMIT);
    t.ok("sem_wait 1", sem_wait(s, NO_WAIT));
    t.ok("sem_wait 2", sem_wait(s, NO_WAIT));
    long_timeout(t, s);
    // Another thread posts; this one waits for it.
    PROBE_HANDLE.store(s.raw() as usize, Ordering::SeqCst);
    match thread::spawn(probe, PROBE_SEM_POST, HELPER_PRIORITY) {
        Ok(helper) => {
            t.ok(
                "sem_wait woken by another thread's sem_post",
                sem_wait(s, 1000),
            );
            let _ = helper.join(FOREVER);
        }
        Err(e) => t.fail(
            "sem_wait woken by another thread's sem_post",
            format_args!("thread_create: {}", e),
        ),
    }
}

/// A 64-bit task's timeout of more than 32 bits waits (it used to be cut to 0: "don't wait",
/// -7 at once); another thread posts after 5 ms.
#[cfg(target_pointer_width = "64")]
fn long_timeout(t: &mut Tally, s: Handle) {
    PROBE_HANDLE.store(s.raw() as usize, Ordering::SeqCst);
    match thread::spawn(probe, PROBE_SLEEP_SEM_POST, HELPER_PRIORITY) {
        Ok(helper) => {
            t.raw(
                "sem_wait with a 0x1_0000_0000 ms timeout waits for the post",
                // SAFETY: no pointer.
                unsafe { syscall(nr::SEM_WAIT, &[s.raw() as usize, 0x1_0000_0000]) },
                0,
            );
            let _ = helper.join(FOREVER);
        }
        Err(e) => t.fail("sem_wait with a long timeout", format_args!("thread_create: {}", e)),
    }
}

#[cfg(not(target_pointer_width = "64"))]
fn long_timeout(_: &mut Tally, _: Handle) {}

fn events(t: &mut Tally) {
    let Some(e) = t.ok("event_create (manual reset)", event_create(0)) else {
        return;
    };
    t.err(
        "event_wait NO_WAIT on clear -> -7",
        event_wait(e, NO_WAIT),
        Error::WOULD_BLOCK,
    );
    let before = now();
    let r = event_wait(e, 10);
    let took = now().wrapping_sub(before);
    t.err("event_wait 10 ms on clear -> -6", r, Error::TIMEOUT);
    t.check(
        "event_wait timeout waits >= 10 ms",
        took >= 10 * MS,
        format_args!("took {} ns", took),
    );
    t.ok("event_set", event_set(e));
    t.ok("event_wait on set", event_wait(e, NO_WAIT));
    t.ok("manual-reset event stays set", event_wait(e, NO_WAIT));
    t.ok("event_reset", event_reset(e));
    t.err(
        "event_wait after reset -> -7",
        event_wait(e, NO_WAIT),
        Error::WOULD_BLOCK,
    );

    match event_create(EVENT_AUTO_RESET | EVENT_INITIALLY_SET) {
        Ok(a) => {
            t.ok("auto-reset event starts set", event_wait(a, NO_WAIT));
            t.err(
                "auto-reset event cleared by the wait -> -7",
                event_wait(a, NO_WAIT),
                Error::WOULD_BLOCK,
            );
        }
        Err(err) => t.fail(
            "event_create (auto reset, initially set)",
            format_args!("got {}", err),
        ),
    }

    // Another thread waits; this one sets the event once it had time to block.
    PROBE_HANDLE.store(e.raw() as usize, Ordering::SeqCst);
    match thread::spawn(probe, PROBE_EVENT_WAIT, HELPER_PRIORITY) {
        Ok(helper) => {
            let _ = sleep(5);
            let _ = event_set(e);
            match helper.join(1000) {
                Ok(code) => t.check(
                    "event_set wakes a waiting thread",
                    code == 0,
                    format_args!("thread got {}", code),
                ),
                Err(err) => t.fail(
                    "event_set wakes a waiting thread",
                    format_args!("join: {}", err),
                ),
            }
        }
        Err(err) => t.fail(
            "event_set wakes a waiting thread",
            format_args!("thread_create: {}", err),
        ),
    }
}

fn handles(t: &mut Tally) {
    let never = Handle::from_raw(NEVER_CREATED);
    t.err(
        "sem_post of a handle never created -> -2",
        sem_post(never),
        Error::INVALID_HANDLE,
    );
    t.err(
        "event_set of a handle never created -> -2",
        event_set(never),
        Error::INVALID_HANDLE,
    );
    t.err(
        "mutex_lock of a handle never created -> -2",
        mutex_lock(never, NO_WAIT),
        Error::INVALID_HANDLE,
    );
    if let Ok(m) = mutex_create() {
        t.err("sem_post of a mutex -> -3", sem_post(m), Error::WRONG_KIND);
        t.err(
            "event_wait of a mutex -> -3",
            event_wait(m, NO_WAIT),
            Error::WRONG_KIND,
        );
    }
    if let Ok(s) = sem_create(1, 1) {
        t.err(
            "mutex_lock of a semaphore -> -3",
            mutex_lock(s, NO_WAIT),
            Error::WRONG_KIND,
        );
    }
}

fn message(n: u8) -> [u8; 16] {
    let mut m = [0u8; 16];
    for (i, b) in m.iter_mut().enumerate() {
        *b = n.wrapping_mul(16).wrapping_add(i as u8);
    }
    m
}

fn ports(t: &mut Tally) {
    t.err(
        "port_open of a name not granted -> -1",
        port_open("no-such-port"),
        Error::INVALID_ARGUMENT,
    );
    t.raw(
        "port_open with a NULL name -> -1",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::PORT_OPEN, &[0, 4]) },
        -1,
    );
    let Some(p) = t.ok("port_open loop", port_open("loop")) else {
        return;
    };
    let pr = p.raw() as usize;
    t.ok("port_open of a 64-byte name", port_open(LONGEST_NAME));
    let mut longer = [b'x'; 65];
    longer[..64].copy_from_slice(LONGEST_NAME.as_bytes());
    t.raw(
        "port_open of a 65-byte name -> -1 (not compared cut to 64)",
        // SAFETY: the kernel only reads the 65 bytes of `longer`.
        unsafe { syscall(nr::PORT_OPEN, &[longer.as_ptr() as usize, longer.len()]) },
        -1,
    );

    t.err(
        "port_send of 8 bytes on a 16-byte port -> -1",
        port_send(p, &[0; 8], NO_WAIT),
        Error::INVALID_ARGUMENT,
    );
    t.raw(
        "port_send from a kernel address -> -1",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::PORT_SEND, &[pr, KERNEL_ADDR, 16, 0]) },
        -1,
    );

    let sent = message(1);
    t.ok("port_send 16 bytes", port_send(p, &sent, NO_WAIT));
    let mut got = [0u8; 16];
    match port_receive(p, &mut got, NO_WAIT) {
        Ok(n) => t.check(
            "port_receive gets the 16 bytes sent",
            n == 16 && got == sent,
            format_args!("size {}, got {:?}", n, got),
        ),
        Err(e) => t.fail(
            "port_receive gets the 16 bytes sent",
            format_args!("got {}", e),
        ),
    }

    // A refused receive must leave the message queued.
    let sent = message(2);
    t.ok(
        "port_send before a bad receive",
        port_send(p, &sent, NO_WAIT),
    );
    t.raw(
        "port_receive into a read-only buffer -> -1",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::PORT_RECEIVE, &[pr, READ_ONLY.as_ptr() as usize, 16, 0]) },
        -1,
    );
    t.raw(
        "port_receive into a kernel address -> -1",
        // SAFETY: a deliberately bad call; the kernel must refuse it without touching memory.
        unsafe { syscall(nr::PORT_RECEIVE, &[pr, KERNEL_ADDR, 16, 0]) },
        -1,
    );
    t.check(
        "read-only buffer untouched",
        READ_ONLY == [0xA5; 16],
        format_args!("{:?}", READ_ONLY),
    );
    let mut got = [0u8; 16];
    match port_receive(p, &mut got, NO_WAIT) {
        Ok(n) => t.check(
            "message still queued after the bad receives",
            n == 16 && got == sent,
            format_args!("size {}, got {:?}", n, got),
        ),
        Err(e) => t.fail(
            "message still queued after the bad receives",
            format_args!("got {}", e),
        ),
    }

    t.err(
        "port_receive NO_WAIT on empty -> -7",
        port_receive(p, &mut got, NO_WAIT),
        Error::WOULD_BLOCK,
    );
    let before = now();
    let r = port_receive(p, &mut got, 10);
    let took = now().wrapping_sub(before);
    t.err("port_receive 10 ms on empty -> -6", r, Error::TIMEOUT);
    t.check(
        "port_receive timeout waits >= 10 ms",
        took >= 10 * MS,
        format_args!("took {} ns", took),
    );

    // Capacity 4: four fit, the fifth would block, and they come back in order.
    let mut queued = 0;
    for n in 0..4 {
        if port_send(p, &message(10 + n), NO_WAIT).is_ok() {
            queued += 1;
        }
    }
    t.check(
        "port holds 4 messages",
        queued == 4,
        format_args!("{} sent", queued),
    );
    t.err(
        "port_send to a full port -> -7",
        port_send(p, &message(99), NO_WAIT),
        Error::WOULD_BLOCK,
    );
    let mut in_order = true;
    for n in 0..queued {
        let mut m = [0u8; 16];
        in_order &= port_receive(p, &mut m, NO_WAIT) == Ok(16) && m == message(10 + n);
    }
    t.check(
        "port delivers in order",
        in_order,
        format_args!("messages out of order or lost"),
    );
}

fn classes(t: &mut Tally) {
    use wells_user::{thread_set_class, CLASS_BEST_EFFORT, CLASS_SOFT_RT};
    t.ok("thread_set_class of the caller", thread_set_class(None, CLASS_SOFT_RT, 5000));
    t.err("thread_set_class with class 7", thread_set_class(None, 7, 0), Error::INVALID_ARGUMENT);
    t.err(
        "thread_set_class of a handle never made",
        thread_set_class(Some(Handle::from_raw(4321)), CLASS_BEST_EFFORT, 0),
        Error::INVALID_HANDLE,
    );
    t.ok("thread_set_class back to best effort", thread_set_class(None, CLASS_BEST_EFFORT, 0));
}

/// `pinned` is the caller's CPU set on a kernel of several CPUs, 0 on one CPU (where CPU 0's
/// bit is the only set there is, and CPU 1's is refused). Past the kernel's 8 CPUs is refused
/// everywhere.
fn affinity(t: &mut Tally, pinned: u32) {
    use wells_user::{thread_affinity, thread_set_affinity};
    let (own, offline) = if pinned == 0 { (1, 2) } else { (pinned, 1 << 8) };
    t.check("thread_affinity of the caller is its set", thread_affinity(None) == Ok(own), format_args!("got {:?}, want {own:#x}", thread_affinity(None)));
    t.ok("thread_set_affinity of the caller to its set", thread_set_affinity(None, own));
    t.err("thread_set_affinity to no CPU -> -1", thread_set_affinity(None, 0), Error::INVALID_ARGUMENT);
    t.err("thread_set_affinity to a CPU not in the kernel -> -1", thread_set_affinity(None, offline), Error::INVALID_ARGUMENT);
    t.err("thread_set_affinity to every CPU bit -> -1", thread_set_affinity(None, u32::MAX), Error::INVALID_ARGUMENT);
    t.err("thread_set_affinity of a handle never made -> -2", thread_set_affinity(Some(Handle::from_raw(4321)), 1), Error::INVALID_HANDLE);
    t.err("thread_affinity of a handle never made -> -2", thread_affinity(Some(Handle::from_raw(4321))), Error::INVALID_HANDLE);
    let mutex = mutex_create().unwrap_or(Handle::from_raw(NEVER_CREATED));
    t.err("thread_set_affinity of a mutex -> -3", thread_set_affinity(Some(mutex), 1), Error::WRONG_KIND);
    t.err("thread_affinity of a mutex -> -3", thread_affinity(Some(mutex)), Error::WRONG_KIND);
    t.check("a refused set changes nothing", thread_affinity(None) == Ok(own), format_args!("got {:?}, want {own:#x}", thread_affinity(None)));
}
