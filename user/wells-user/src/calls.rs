//! One safe function per system call of `docs/syscalls.md`.

use crate::error::Error;
use crate::nr;
use crate::syscall::{trap, trap0};

/// Do not wait: a call that would block returns [`Error::WOULD_BLOCK`].
pub const NO_WAIT: u32 = 0;
/// Wait as long as it takes.
pub const FOREVER: u32 = 0xFFFF_FFFF;

/// `event_create` flag: a wait that succeeds clears the event.
pub const EVENT_AUTO_RESET: u32 = 1;
/// `event_create` flag: the event starts set.
pub const EVENT_INITIALLY_SET: u32 = 2;

/// A kernel object named by this task: an index into its own handle table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle(u32);

impl Handle {
    /// A handle from its number (tests use numbers that were never created).
    pub const fn from_raw(raw: u32) -> Handle {
        Handle(raw)
    }

    /// The number the kernel knows the handle by.
    pub const fn raw(self) -> u32 {
        self.0
    }

    fn arg(self) -> usize {
        self.0 as usize
    }
}

/// Makes a call and turns a non-zero status into an [`Error`]; the value comes back as is.
fn call(nr: usize, args: [usize; 6]) -> Result<usize, Error> {
    // SAFETY: the wrappers below only pass pointers and lengths of live Rust slices, with the
    // access (read or write) the kernel will use.
    let (status, value, _) = unsafe { trap(nr, args) };
    answer(status, value)
}

/// [`call`] for the calls without arguments.
fn call0(nr: usize) -> Result<usize, Error> {
    // SAFETY: no argument, so no memory for the kernel to touch.
    let (status, value, _) = unsafe { trap0(nr) };
    answer(status, value)
}

fn answer(status: isize, value: usize) -> Result<usize, Error> {
    // The status is a small number: compare its low 32 bits so a kernel that returns it
    // zero-extended on AArch64 still reads as negative.
    match status as i32 {
        0 => Ok(value),
        code => Err(Error::from_code(code)),
    }
}

fn handle(raw: usize) -> Handle {
    Handle(raw as u32)
}

/// 0: ends the calling thread with `code` (the value `thread_join` returns).
pub fn exit(code: i32) -> ! {
    loop {
        // SAFETY: exit takes no pointer.
        unsafe {
            trap(nr::EXIT, [code as isize as usize, 0, 0, 0, 0, 0]);
        }
    }
}

/// 1: gives the CPU to another ready thread of the same priority.
pub fn yield_now() -> Result<(), Error> {
    call0(nr::YIELD).map(drop)
}

/// 2: sleeps `ms` milliseconds.
pub fn sleep(ms: u32) -> Result<(), Error> {
    call(nr::SLEEP, [ms as usize, 0, 0, 0, 0, 0]).map(drop)
}

/// 3: writes `bytes` to the console; returns how many were written.
pub fn console_write(bytes: &[u8]) -> Result<usize, Error> {
    call(
        nr::CONSOLE_WRITE,
        [bytes.as_ptr() as usize, bytes.len(), 0, 0, 0, 0],
    )
}

/// 4: nanoseconds since boot.
#[cfg(target_pointer_width = "64")]
pub fn time() -> Result<u64, Error> {
    call0(nr::TIME).map(|ns| ns as u64)
}

/// 4: nanoseconds since boot (AArch32: low word in r1, high word in r2).
#[cfg(target_pointer_width = "32")]
pub fn time() -> Result<u64, Error> {
    // SAFETY: time takes no pointer.
    let (status, low, high) = unsafe { trap0(nr::TIME) };
    if status != 0 {
        return Err(Error::from_code(status as i32));
    }
    Ok(((high as u64) << 32) | low as u64)
}

/// 5: starts a thread of this task at `entry(arg)` on a new stack (`docs/syscalls.md`: its size
/// and guard depend on the board). `entry` must end
/// with [`exit`]. `priority` is 0 (lowest) ..31, capped by the task's maximum.
pub fn thread_create(
    entry: extern "C" fn(usize) -> !,
    arg: usize,
    priority: u32,
) -> Result<Handle, Error> {
    call(
        nr::THREAD_CREATE,
        [entry as usize, arg, priority as usize, 0, 0, 0],
    )
    .map(handle)
}

/// 6: waits at most `timeout` ms for a thread to end; returns its exit code.
pub fn thread_join(thread: Handle, timeout: u32) -> Result<i32, Error> {
    call(
        nr::THREAD_JOIN,
        [thread.arg(), timeout as usize, 0, 0, 0, 0],
    )
    .map(|code| code as i32)
}

/// 7: a new unlocked mutex.
pub fn mutex_create() -> Result<Handle, Error> {
    call0(nr::MUTEX_CREATE).map(handle)
}

/// 8: locks a mutex, waiting at most `timeout` ms.
pub fn mutex_lock(mutex: Handle, timeout: u32) -> Result<(), Error> {
    call(nr::MUTEX_LOCK, [mutex.arg(), timeout as usize, 0, 0, 0, 0]).map(drop)
}

/// 9: unlocks a mutex the calling thread holds.
pub fn mutex_unlock(mutex: Handle) -> Result<(), Error> {
    call(nr::MUTEX_UNLOCK, [mutex.arg(), 0, 0, 0, 0, 0]).map(drop)
}

/// 10: a new semaphore holding `initial` units of at most `max`.
pub fn sem_create(initial: u32, max: u32) -> Result<Handle, Error> {
    call(nr::SEM_CREATE, [initial as usize, max as usize, 0, 0, 0, 0]).map(handle)
}

/// 11: takes one unit, waiting at most `timeout` ms.
pub fn sem_wait(sem: Handle, timeout: u32) -> Result<(), Error> {
    call(nr::SEM_WAIT, [sem.arg(), timeout as usize, 0, 0, 0, 0]).map(drop)
}

/// 12: gives one unit.
pub fn sem_post(sem: Handle) -> Result<(), Error> {
    call(nr::SEM_POST, [sem.arg(), 0, 0, 0, 0, 0]).map(drop)
}

/// 13: a new event; `flags` is [`EVENT_AUTO_RESET`] | [`EVENT_INITIALLY_SET`] or 0.
pub fn event_create(flags: u32) -> Result<Handle, Error> {
    call(nr::EVENT_CREATE, [flags as usize, 0, 0, 0, 0, 0]).map(handle)
}

/// 14: waits at most `timeout` ms for the event to be set.
pub fn event_wait(event: Handle, timeout: u32) -> Result<(), Error> {
    call(nr::EVENT_WAIT, [event.arg(), timeout as usize, 0, 0, 0, 0]).map(drop)
}

/// 15: sets the event.
pub fn event_set(event: Handle) -> Result<(), Error> {
    call(nr::EVENT_SET, [event.arg(), 0, 0, 0, 0, 0]).map(drop)
}

/// 16: clears the event.
pub fn event_reset(event: Handle) -> Result<(), Error> {
    call(nr::EVENT_RESET, [event.arg(), 0, 0, 0, 0, 0]).map(drop)
}

/// 17: opens a port the system description grants this task under `name`.
pub fn port_open(name: &str) -> Result<Handle, Error> {
    call(
        nr::PORT_OPEN,
        [name.as_ptr() as usize, name.len(), 0, 0, 0, 0],
    )
    .map(handle)
}

/// 18: queues `msg` (exactly the port's message size), waiting at most `timeout` ms for room.
pub fn port_send(port: Handle, msg: &[u8], timeout: u32) -> Result<(), Error> {
    call(
        nr::PORT_SEND,
        [
            port.arg(),
            msg.as_ptr() as usize,
            msg.len(),
            timeout as usize,
            0,
            0,
        ],
    )
    .map(drop)
}

/// 19: takes the oldest message into `buf` (at least the message size), waiting at most
/// `timeout` ms; returns the message size.
pub fn port_receive(port: Handle, buf: &mut [u8], timeout: u32) -> Result<usize, Error> {
    call(
        nr::PORT_RECEIVE,
        [
            port.arg(),
            buf.as_mut_ptr() as usize,
            buf.len(),
            timeout as usize,
            0,
            0,
        ],
    )
}

/// Two port handles in one argument (the first in the low 16 bits), as calls 31 and 32 take
/// them; a handle that does not fit is no handle of this task.
fn two_ports(first: Handle, second: Handle) -> Result<usize, Error> {
    if first.raw() > 0xFFFF || second.raw() > 0xFFFF {
        return Err(Error::INVALID_HANDLE);
    }
    Ok(first.arg() | second.arg() << 16)
}

/// 31: a call in one kernel entry (the IPC fast path): sends the first message-size bytes of
/// `buf` on `request`, waits for the answer on `reply` and takes it into `buf`; both steps
/// share `timeout` ms. Returns the answer's size. Nothing is sent unless `buf` can hold the
/// answer too.
pub fn port_call(request: Handle, reply: Handle, buf: &mut [u8], timeout: u32) -> Result<usize, Error> {
    let ports = two_ports(request, reply)?;
    call(nr::PORT_CALL, [ports, buf.as_mut_ptr() as usize, buf.len(), timeout as usize, 0, 0])
}

/// 32: a server's turn in one kernel entry: sends the first message-size bytes of `buf` on
/// `reply` (the answer), waits for the next request on `request` and takes it into `buf`.
/// Returns the request's size.
pub fn port_reply_wait(reply: Handle, request: Handle, buf: &mut [u8], timeout: u32) -> Result<usize, Error> {
    let ports = two_ports(reply, request)?;
    call(nr::PORT_REPLY_WAIT, [ports, buf.as_mut_ptr() as usize, buf.len(), timeout as usize, 0, 0])
}

/// 33: a fast SMC of the trusted applications' or trusted OSes' range (owning entities
/// 48..=63) through the supervisor to the monitor above (the secure service, `docs/monitor.md`):
/// x0 = `function`, x1 = `arg1`, x2 = `arg2`; returns the answer's x0..x3. `INVALID_ARGUMENT`
/// for any other function ID, `BAD_STATE` where no monitor is above the supervisor.
pub fn secure_call(function: u32, arg1: u64, arg2: u64) -> Result<[u64; 4], Error> {
    let mut answer = [0u64; 4];
    // Arguments wider than a register are cut on AArch32, as the 32-bit convention does.
    call(nr::SECURE_CALL, [function as usize, arg1 as usize, arg2 as usize, answer.as_mut_ptr() as usize, 0, 0])?;
    Ok(answer)
}

/// 20: does nothing (the cheapest round trip EL0 -> kernel -> EL0, for measuring).
pub fn nop() -> Result<(), Error> {
    call0(nr::NOP).map(drop)
}

/// 21: opens a shared object the system description grants this task under `name`.
pub fn shared_open(name: &str) -> Result<Handle, Error> {
    call(nr::SHARED_OPEN, [name.as_ptr() as usize, name.len(), 0, 0, 0, 0]).map(handle)
}

/// 22: a consistent snapshot of a shared object into `buf`; returns its version (low 32
/// bits on AArch32).
pub fn shared_read(object: Handle, buf: &mut [u8]) -> Result<usize, Error> {
    call(nr::SHARED_READ, [object.arg(), buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0])
}

/// 23: opens a transaction the system description made this task a member of.
pub fn txn_open(name: &str) -> Result<Handle, Error> {
    call(nr::TXN_OPEN, [name.as_ptr() as usize, name.len(), 0, 0, 0, 0]).map(handle)
}

/// 24: reads a shared object through a transaction.
pub fn txn_read(txn: Handle, object: Handle, buf: &mut [u8]) -> Result<(), Error> {
    call(nr::TXN_READ, [txn.arg(), object.arg(), buf.as_mut_ptr() as usize, buf.len(), 0, 0]).map(drop)
}

/// 25: buffers a new value of a shared object in a transaction.
pub fn txn_write(txn: Handle, object: Handle, bytes: &[u8]) -> Result<(), Error> {
    call(nr::TXN_WRITE, [txn.arg(), object.arg(), bytes.as_ptr() as usize, bytes.len(), 0, 0]).map(drop)
}

/// 26: votes commit or abort; a commit vote waits at most `timeout` ms for the others.
pub fn txn_vote(txn: Handle, commit: bool, timeout: u32) -> Result<(), Error> {
    call(nr::TXN_VOTE, [txn.arg(), commit as usize, timeout as usize, 0, 0, 0]).map(drop)
}

/// Scheduling classes for [`thread_set_class`].
pub const CLASS_HARD_RT: u32 = 0;
pub const CLASS_SOFT_RT: u32 = 1;
pub const CLASS_BEST_EFFORT: u32 = 2;

/// 27: gives a thread of this task (`None`: the calling thread) a scheduling class and a
/// deadline relative to each of its releases in microseconds (0: none).
pub fn thread_set_class(thread: Option<Handle>, class: u32, deadline_us: u32) -> Result<(), Error> {
    let thread = thread.map_or(u32::MAX as usize, Handle::arg);
    call(nr::THREAD_SET_CLASS, [thread, class as usize, deadline_us as usize, 0, 0, 0]).map(drop)
}

/// 34: pins a thread of this task (`None`: the calling thread) to the CPUs of `cpus` (bit n:
/// CPU n); -1 for an empty set or one naming no CPU of the kernel (one-CPU kernels: only bit 0).
pub fn thread_set_affinity(thread: Option<Handle>, cpus: u32) -> Result<(), Error> {
    let thread = thread.map_or(u32::MAX as usize, Handle::arg);
    call(nr::THREAD_SET_AFFINITY, [thread, cpus as usize, 0, 0, 0, 0]).map(drop)
}

/// 35: the CPU set of a thread of this task (`None`: the calling thread).
pub fn thread_affinity(thread: Option<Handle>) -> Result<u32, Error> {
    let thread = thread.map_or(u32::MAX as usize, Handle::arg);
    call(nr::THREAD_AFFINITY, [thread, 0, 0, 0, 0, 0]).map(|cpus| cpus as u32)
}

/// 28: hands the kernel a binary decision set (`tools/wells-policy` writes them). Only a task
/// the system description makes a scheduling advisor may (-18 otherwise); a refused set (-1) leaves the
/// one in force, and the kernel names the bad rule on its console.
pub fn policy_load(set: &[u8]) -> Result<(), Error> {
    call(nr::POLICY_LOAD, [set.as_ptr() as usize, set.len(), 0, 0, 0, 0]).map(drop)
}

/// 29: drops the decision set: classic scheduling again (same right as [`policy_load`]).
pub fn policy_clear() -> Result<(), Error> {
    call0(nr::POLICY_CLEAR).map(drop)
}

/// Telemetry event kinds ([`TelemetryEvent::kind`]), as `WELLS_TELEMETRY_*` in `wells.h`.
pub const TELEMETRY_SET_LOADED: u32 = 9;

/// One telemetry event, laid out as `wells_telemetry_event_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TelemetryEvent {
    pub sequence: u64,
    pub time_ns: u64,
    pub kind: u32,
    pub reserved: u32,
    /// Raw handle of the thread or transaction concerned (0: none).
    pub subject: u64,
    pub arg: u64,
}

/// What [`telemetry_read`] fills: read from `from` on; `next` is where to go on next time.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TelemetryBatch<const N: usize> {
    pub from: u64,
    pub next: u64,
    pub count: u32,
    /// Events lost to overwriting before they were read.
    pub dropped: u32,
    pub events: [TelemetryEvent; N],
}

impl<const N: usize> TelemetryBatch<N> {
    /// An empty batch that reads from sequence `from` on.
    pub fn starting_at(from: u64) -> Self {
        TelemetryBatch { from, next: from, count: 0, dropped: 0, events: [TelemetryEvent::default(); N] }
    }

    /// The events read.
    pub fn events(&self) -> &[TelemetryEvent] {
        &self.events[..(self.count as usize).min(N)]
    }
}

/// 30: reads telemetry events into `batch` (a scheduling advisor only, -18 otherwise); returns
/// how many. The ring records only once the system description turned it on.
pub fn telemetry_read<const N: usize>(batch: &mut TelemetryBatch<N>) -> Result<usize, Error> {
    let len = core::mem::size_of::<TelemetryBatch<N>>();
    call(nr::TELEMETRY_READ, [batch as *mut TelemetryBatch<N> as usize, len, 0, 0, 0, 0])
}
