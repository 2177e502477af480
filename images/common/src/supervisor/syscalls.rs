//! The system-call dispatcher (ABI in docs/syscalls.md): take the call from the trap frame,
//! check every pointer against the caller's memory and every handle against its table, call
//! the kernel, and put status and value back into the frame.

use super::{audit, create_thread, destroy_object, readable, stop_current, writable, TaskPlatform};
use wells_core::domain::DomainId;
use wells_core::telemetry::EventKind;
use wells_core::{Arch, Error, Handle, Kernel, Kind, Timeout};

/// The registers of a system call, wherever the CPU's trap frame keeps them.
pub trait CallRegisters {
    /// The call number (a register's width: a 32-bit CPU compares one word) and the first four
    /// arguments (zero-extended from 32-bit registers).
    fn call(&mut self) -> (usize, [u64; 4]);
    /// Status 0 and `value`; a `wide` value is split over two registers where they have 32 bits.
    fn set_value(&mut self, value: u64, wide: bool);
    /// A failed call: the (negative) status, value 0.
    fn set_error(&mut self, status: i64);
    /// The number an unknown call stops the task with (its exit code is -1000 - that).
    fn unknown_call(&self) -> i32;
}

/// The calls [`fast`] may answer (bit n: call n), for a CPU port that filters before it asks.
pub const FAST_CALLS: u64 = (1 << 20) | (1 << 4);

/// The value of call `number` when it is one of the calls answered without entering the kernel
/// proper (no lock, no switch, interrupts left masked): `nop` (20) and `time` (4). `None` for
/// every other call, and for these too while a trace or the audit watches: both want each call
/// on the full path. A CPU port's fast-call entry asks this before it saves a full frame
/// (arm64: `wells_core::arch::aarch64::set_fast_call_handler`).
#[inline]
pub fn fast<P: TaskPlatform>(number: usize) -> Option<u64> {
    fast_value::<P>(number).map(|(Value::One(value) | Value::Wide(value))| value)
}

/// [`fast`] for a port whose registers are narrower than the values: answers call `number`
/// into `registers` as the full path would (status 0, the value, split over two registers for
/// a 64-bit one) and returns true, or leaves them untouched and returns false.
#[inline]
pub fn answer_fast<P: TaskPlatform>(number: usize, registers: &mut impl CallRegisters) -> bool {
    match fast_value::<P>(number) {
        Some(Value::One(value)) => registers.set_value(value, false),
        Some(Value::Wide(value)) => registers.set_value(value, true),
        None => return false,
    }
    true
}

/// The calls of [`fast`], with their values as the dispatcher gives them (`call`).
#[inline]
fn fast_value<P: TaskPlatform>(number: usize) -> Option<Value> {
    if crate::trace::on() || audit::on() {
        return None;
    }
    match number {
        20 => Some(Value::One(0)),
        4 => Some(Value::Wide(P::kernel().now_ns())),
        _ => None,
    }
}

/// Handles a system call of the running task of board `P`.
pub fn handle<P: TaskPlatform>(mut registers: impl CallRegisters) {
    let (number, args) = registers.call();
    let unknown = registers.unknown_call();
    let k = P::kernel();
    // Trace points (`cargo xtask trace`): compiled out unless the image traces.
    let traced = crate::trace::on();
    if traced {
        k.trace(EventKind::SyscallEnter, number as u64);
    }
    // System calls may block: let interrupts in while the kernel works for the caller.
    P::cpu().irq_restore(true);
    // The audit (tests only) stays off the hot path: a flag test, and its work out of line.
    let audited = audit::on();
    if audited {
        audit::before::<P>();
    }
    let result = call::<P>(k, number, args, unknown);
    if let (true, Err(error)) = (audited, &result) {
        audit::after_failure::<P>(number, *error);
    }
    P::cpu().irq_save();
    if traced {
        k.trace(EventKind::SyscallExit, result.as_ref().err().map_or(0, |error| *error as i32 as u64));
    }
    match result {
        Ok(Value::One(value)) => registers.set_value(value, false),
        Ok(Value::Wide(value)) => registers.set_value(value, true),
        Err(error) => registers.set_error(-(error as i32 as i64)),
    }
}

/// Calls 31 (`port_call`) and 32 (`port_reply_wait`): two port handles in a0 (the first in
/// the low 16 bits), one buffer, one timeout. Out of line: the other calls' dispatch stays as
/// small as it was.
#[inline(never)]
fn port_call_or_reply<P: TaskPlatform>(call: bool, [a0, a1, a2, a3]: [u64; 4]) -> Result<Value, Error> {
    let k = P::kernel();
    let (first, second) = ((a0 & 0xFFFF) as usize, ((a0 >> 16) & 0xFFFF) as usize);
    let (send, receive, buf) = P::tasks().with_task(k.current_domain()?, |task| {
        let (send, receive) = (task.handle(first)?, task.handle(second)?);
        Ok((send, receive, writable(&task.space, a1 as usize, a2 as usize)?))
    })?;
    let size = if call { k.port_call(send, receive, buf, timeout(a3)) } else { k.port_reply_wait(send, receive, buf, timeout(a3)) };
    size.map(|size| Value::One(size as u64))
}

/// Call 33 (`secure_call`): function ID in a0, two arguments, a buffer of 32 bytes (or 0) for
/// the answer's x0..x3. Only fast calls of the trusted applications' and trusted OSes' owning
/// entities (48..=63) go to the monitor: a task may not reach PSCI or anything else up there.
/// Out of line, as 31 and 32.
#[inline(never)]
fn secure_call<P: TaskPlatform>(domain: DomainId, [a0, a1, a2, a3]: [u64; 4]) -> Result<Value, Error> {
    use wells_core::arch::monitor::smccc::FunctionId;
    let function = FunctionId(u32::try_from(a0).map_err(|_| Error::InvalidArgument)?);
    if !function.is_fast() || function.reserved_bits() != 0 || function.owner_number() < 48 {
        return Err(Error::InvalidArgument);
    }
    if a3 != 0 {
        P::tasks().with_task(domain, |task| writable(&task.space, a3 as usize, 32).map(drop))?;
    }
    let answer = P::secure_call(function.0, [a1, a2])?;
    if a3 != 0 {
        P::tasks().with_task(domain, |task| {
            let out = writable(&task.space, a3 as usize, 32)?;
            for (bytes, word) in out.chunks_exact_mut(8).zip(answer) {
                bytes.copy_from_slice(&word.to_le_bytes());
            }
            Ok(())
        })?;
    }
    Ok(Value::Wide(answer[0]))
}

/// Calls 34 (`thread_set_affinity`: thread, CPU set) and 35 (`thread_affinity`: thread; the
/// set is the value): only the task's own threads, 0xFFFF_FFFF naming the caller. A set with
/// bits above 32 is refused (-1) as any set naming a CPU the kernel does not have. Out of line,
/// as 31 and 32.
#[inline(never)]
fn affinity<P: TaskPlatform>(set: bool, domain: DomainId, thread: u64, cpus: u64) -> Result<Value, Error> {
    let k = P::kernel();
    let thread = if thread == u32::MAX as u64 { k.current_thread()? } else { P::tasks().with_task(domain, |task| task.handle(thread as usize))? };
    if k.thread_domain(thread)? != domain {
        return Err(Error::InvalidHandle);
    }
    if set {
        let cpus = u32::try_from(cpus).map_err(|_| Error::InvalidArgument)?;
        k.thread_set_affinity(thread, cpus).map(|()| Value::One(0))
    } else {
        k.thread_affinity(thread).map(|cpus| Value::One(cpus as u64))
    }
}

/// What a call gives back besides its status.
enum Value {
    One(u64),
    /// 64 bits even for 32-bit callers (split over two registers).
    Wide(u64),
}

fn none(result: wells_core::Result<()>) -> Result<Value, Error> {
    result.map(|()| Value::One(0))
}

/// A timeout argument in milliseconds: `0` no wait, `0xFFFF_FFFF` forever, any other value
/// (64-bit tasks may pass more than 32 bits) that many milliseconds, never cut short.
fn timeout(ms: u64) -> Timeout {
    match ms {
        0 => Timeout::NoWait,
        0xFFFF_FFFF => Timeout::Forever,
        ms => Timeout::Ns(ms.saturating_mul(wells_core::time::NS_PER_MS)),
    }
}

/// Longest name `*_open` compares; a longer one is refused, never compared cut short.
pub const NAME_MAX: usize = 64;

// Inlined into `handle`, its one caller: a cheap call then costs no call and no result in memory.
#[inline(always)]
fn call<P: TaskPlatform>(k: &'static Kernel<P::Arch>, number: usize, [a0, a1, a2, a3]: [u64; 4], unknown: i32) -> Result<Value, Error> {
    let tasks = P::tasks();
    // Looked up only by the calls that need the task (the cheap ones stay cheap).
    let domain = || k.current_domain();
    let object = |user: u64| tasks.with_task(domain()?, |task| task.handle(user as usize));
    match number {
        0 => Err(super::exit_current::<P>(a0 as i32)),
        1 => none(k.yield_now()),
        2 => none(k.sleep_ns(a0.saturating_mul(1_000_000))),
        3 => {
            // The whole buffer is checked first; then at most CONSOLE_MAX bytes are written and
            // the count returned (a longer text takes more calls, as with write(2)).
            let text = tasks.with_task(domain()?, |task| readable(&task.space, a0 as usize, a1 as usize))?;
            let text = &text[..text.len().min(P::CONSOLE_MAX)];
            k.console_write(text);
            Ok(Value::One(text.len() as u64))
        }
        4 => Ok(Value::Wide(k.now_ns())),
        5 => {
            let priority = u8::try_from(a2).map_err(|_| Error::InvalidArgument)?;
            create_thread::<P>(domain()?, a0 as usize, a1 as usize, priority).map(|user| Value::One(user as u64))
        }
        6 => {
            let thread = object(a0)?;
            let code = k.thread_join(thread, timeout(a1))?;
            tasks.with_task(domain()?, |task| {
                task.forget_handle(a0 as usize);
                Ok(())
            })?;
            Ok(Value::One(code as i64 as u64))
        }
        7 => create_owned::<P>(domain()?, || k.mutex_create()),
        8 => none(k.mutex_lock(object(a0)?, timeout(a1))),
        9 => none(k.mutex_unlock(object(a0)?)),
        10 => {
            let (initial, max) = (u32::try_from(a0), u32::try_from(a1));
            let (Ok(initial), Ok(max)) = (initial, max) else { return Err(Error::InvalidArgument) };
            create_owned::<P>(domain()?, || k.semaphore_create(initial, max))
        }
        11 => none(k.semaphore_wait(object(a0)?, timeout(a1))),
        12 => none(k.semaphore_post(object(a0)?)),
        13 => {
            if a0 & !3 != 0 {
                return Err(Error::InvalidArgument);
            }
            create_owned::<P>(domain()?, || k.event_create(a0 & 1 != 0, a0 & 2 != 0))
        }
        14 => none(k.event_wait(object(a0)?, timeout(a1))),
        15 => none(k.event_set(object(a0)?)),
        16 => none(k.event_reset(object(a0)?)),
        17 => open_named::<P>(domain()?, a0, a1, Kind::Port),
        18 => {
            // The handle and the buffer in one look at the task (the IPC path's cost).
            let (port, msg) = tasks.with_task(domain()?, |task| Ok((task.handle(a0 as usize)?, readable(&task.space, a1 as usize, a2 as usize)?)))?;
            none(k.port_send(port, msg, timeout(a3)))
        }
        19 => {
            let (port, buf) = tasks.with_task(domain()?, |task| Ok((task.handle(a0 as usize)?, writable(&task.space, a1 as usize, a2 as usize)?)))?;
            k.port_receive(port, buf, timeout(a3)).map(|size| Value::One(size as u64))
        }
        20 => Ok(Value::One(0)),
        21..=26 if !P::TRANSACTIONS => stop_current::<P>(-1000 - unknown, format_args!("unknown system call {number}")),
        21 => open_named::<P>(domain()?, a0, a1, Kind::SharedObject),
        22 => {
            let object = object(a0)?;
            let buf = tasks.with_task(domain()?, |task| writable(&task.space, a1 as usize, a2 as usize))?;
            k.shared_read(object, buf).map(Value::Wide)
        }
        23 => open_named::<P>(domain()?, a0, a1, Kind::Transaction),
        24 => {
            let (txn, shared) = (object(a0)?, object(a1)?);
            let buf = tasks.with_task(domain()?, |task| writable(&task.space, a2 as usize, a3 as usize))?;
            none(k.txn_read(txn, shared, buf))
        }
        25 => {
            let (txn, shared) = (object(a0)?, object(a1)?);
            let bytes = tasks.with_task(domain()?, |task| readable(&task.space, a2 as usize, a3 as usize))?;
            none(k.txn_write(txn, shared, bytes))
        }
        26 => none(k.txn_vote(object(a0)?, a1 != 0, timeout(a2))),
        27 => {
            // 0xFFFF_FFFF names the calling thread; other handles must be the task's own threads.
            let thread = if a0 == u32::MAX as u64 { k.current_thread()? } else { object(a0)? };
            if k.thread_domain(thread)? != domain()? {
                return Err(Error::InvalidHandle);
            }
            let class = match a1 {
                0 => wells_core::sched::SchedClass::HardRealTime,
                1 => wells_core::sched::SchedClass::SoftRealTime,
                2 => wells_core::sched::SchedClass::BestEffort,
                _ => return Err(Error::InvalidArgument),
            };
            none(k.thread_set_class(thread, class, (a2 != 0).then(|| a2.saturating_mul(1000))))
        }
        28 => {
            let bytes = as_advisor::<P, _>(domain()?, |task| readable(&task.space, a0 as usize, a1 as usize))?;
            // The set is untrusted input; the kernel names what it refused on the console.
            k.policy_load(bytes).map(|()| Value::One(0)).map_err(|refused| {
                // Not preempted while the message is held: a transaction's fate could end or
                // restart the caller there, and the message would be lost (#23).
                let were_enabled = P::cpu().irq_save();
                k.console_write(alloc::format!("wells: decision set from a task refused: {refused}\n").as_bytes());
                P::cpu().irq_restore(were_enabled);
                Error::InvalidArgument
            })
        }
        29 => {
            as_advisor::<P, _>(domain()?, |_| Ok(()))?;
            k.policy_clear();
            Ok(Value::One(0))
        }
        30 => {
            let buffer = as_advisor::<P, _>(domain()?, |task| writable(&task.space, a0 as usize, a1 as usize))?;
            telemetry_to_user(k, buffer).map(|count| Value::One(count as u64))
        }
        31 | 32 => port_call_or_reply::<P>(number == 31, [a0, a1, a2, a3]),
        33 => secure_call::<P>(domain()?, [a0, a1, a2, a3]),
        34 | 35 => affinity::<P>(number == 34, domain()?, a0, a1),
        _ => stop_current::<P>(-1000 - unknown, format_args!("unknown system call {number}")),
    }
}

/// Runs `f` on the calling task if the system description made it a scheduling advisor (the
/// right behind calls 28-30); `AccessDenied` otherwise.
fn as_advisor<P: TaskPlatform, R>(domain: DomainId, f: impl FnOnce(&mut super::Task<P>) -> Result<R, Error>) -> Result<R, Error> {
    P::tasks().with_task(domain, |task| if task.scheduling_advisor { f(task) } else { Err(Error::AccessDenied) })
}

/// Bytes of the header of a `telemetry_read` buffer (from, next: u64; count, dropped: u32)
/// and of one record (`wells_telemetry_event_t`), little-endian.
const TELEMETRY_HEADER: usize = 24;
const TELEMETRY_RECORD: usize = 40;

/// `telemetry_read(buffer, len)`: events from the header's `from` on, as many as fit; fills
/// in the header and returns the count.
fn telemetry_to_user<A: wells_core::Arch>(k: &wells_core::Kernel<A>, buffer: &mut [u8]) -> Result<usize, Error> {
    use wells_core::telemetry::Event;
    if buffer.len() < TELEMETRY_HEADER {
        return Err(Error::InvalidArgument);
    }
    let (header, records) = buffer.split_at_mut(TELEMETRY_HEADER);
    let mut from = u64::from_le_bytes(header[0..8].try_into().map_err(|_| Error::InvalidArgument)?);
    let (mut count, mut dropped) = (0usize, 0u64);
    // In small batches: the kernel stack stays small whatever the buffer size.
    let mut batch = [Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 }; 8];
    let capacity = records.len() / TELEMETRY_RECORD;
    while count < capacity {
        let want = (capacity - count).min(batch.len());
        let (copied, lost, next) = k.telemetry_read(from, &mut batch[..want]);
        dropped += lost;
        for (i, event) in batch[..copied].iter().enumerate() {
            let at = (count + i) * TELEMETRY_RECORD;
            let record = &mut records[at..at + TELEMETRY_RECORD];
            record[0..8].copy_from_slice(&event.sequence.to_le_bytes());
            record[8..16].copy_from_slice(&event.time_ns.to_le_bytes());
            record[16..20].copy_from_slice(&(event.kind as u32).to_le_bytes());
            record[20..24].fill(0);
            record[24..32].copy_from_slice(&event.subject.to_le_bytes());
            record[32..40].copy_from_slice(&event.arg.to_le_bytes());
        }
        count += copied;
        from = next;
        if copied < want {
            break;
        }
    }
    header[8..16].copy_from_slice(&from.to_le_bytes());
    header[16..20].copy_from_slice(&(count as u32).to_le_bytes());
    header[20..24].copy_from_slice(&(dropped.min(u32::MAX as u64) as u32).to_le_bytes());
    Ok(count)
}

/// `*_open(name ptr, len)`: a named object the task was granted, of the kind the call is for.
fn open_named<P: TaskPlatform>(domain: DomainId, name: u64, len: u64, kind: Kind) -> Result<Value, Error> {
    let object = P::tasks().with_task(domain, |task| {
        if len > NAME_MAX as u64 {
            return Err(Error::InvalidArgument);
        }
        let name = readable(&task.space, name as usize, len as usize)?;
        task.granted(name).filter(|h| h.kind() == Some(kind)).ok_or(Error::InvalidArgument)
    })?;
    let sealed = P::kernel().is_sealed();
    P::tasks().with_task(domain, |task| task.add_handle(object, sealed).map(|user| Value::One(user as u64)))
}

/// Makes an object the task will own (`make`) and gives the task a handle to it, all or
/// nothing (#23): room for the handle is checked first, and the object made and registered
/// under the same lock of the registry, so a call that fails leaves no object behind.
fn create_owned<P: TaskPlatform>(domain: DomainId, make: impl FnOnce() -> Result<Handle, Error>) -> Result<Value, Error> {
    let sealed = P::kernel().is_sealed();
    P::tasks().with_task(domain, |task| {
        task.handle_room(sealed)?;
        let object = make()?;
        match task.add_handle(object, sealed) {
            Ok(user) => {
                task.created.push(object);
                Ok(Value::One(user as u64))
            }
            // Not reached (the room was checked); nobody could use or free it, so it goes.
            Err(error) => {
                destroy_object::<P>(object);
                Err(error)
            }
        }
    })
}
