//! The system-call dispatcher (ABI in docs/syscalls.md): decode the call from the trap frame,
//! check every pointer against the caller's regions and every handle against its table, call
//! the kernel, and put status and value back into the frame.

use super::user_memory::{readable, writable};
use super::{create_thread, stop_current, with_task};
use crate::board::kernel;
use crate::trap::class;
use wells_core::arch::arm::TrapFrame;
use wells_core::domain::DomainId;
use wells_core::{Arch, Error, Handle, Kind, Timeout};

/// Status put in r0 for a call that failed.
fn status(error: Error) -> u32 {
    -(error as i32) as u32
}

/// Most bytes one `console_write` takes.
const CONSOLE_MAX: usize = 4096;

/// Handles a `svc #0` from USR mode: number in r7, arguments r0..r3, status r0, value r1
/// (r2 = high word of 64-bit values).
pub fn handle(frame: &mut TrapFrame) {
    let number = frame.r[7];
    let args = [frame.r[0] as u64, frame.r[1] as u64, frame.r[2] as u64, frame.r[3] as u64];
    let cpu = wells_core::arch::arm::Armv7a;
    // System calls may block: let interrupts in while the kernel works for the caller.
    cpu.irq_restore(true);
    // An unknown call stops the task like a fault, with the class of an AArch32 SVC.
    let result = call(number as u64, args, class::SVC32);
    cpu.irq_save();
    match result {
        Ok(Value::One(value)) => {
            frame.r[0] = 0;
            frame.r[1] = value as u32;
        }
        Ok(Value::Wide(value)) => {
            frame.r[0] = 0;
            frame.r[1] = value as u32;
            frame.r[2] = (value >> 32) as u32;
        }
        Err(error) => {
            frame.r[0] = status(error);
            frame.r[1] = 0;
        }
    }
}

/// What a call gives back besides its status.
enum Value {
    One(u64),
    /// 64 bits (split over r1/r2).
    Wide(u64),
}

fn none(result: wells_core::Result<()>) -> Result<Value, Error> {
    result.map(|()| Value::One(0))
}

fn timeout(ms: u64) -> Timeout {
    Timeout::from_ms(ms as u32)
}

fn call(number: u64, [a0, a1, a2, a3]: [u64; 4], svc_class: i32) -> Result<Value, Error> {
    let k = kernel();
    // Looked up only by the calls that need the task (the cheap ones stay cheap).
    let domain = || k.current_domain();
    let object = |user: u64| with_task(domain()?, |task| task.handle(user as usize));
    match number {
        0 => {
            let error = k.thread_exit(a0 as i32);
            Err(error)
        }
        1 => none(k.yield_now()),
        2 => none(k.sleep_ns(a0.saturating_mul(1_000_000))),
        3 => {
            let len = (a1 as usize).min(CONSOLE_MAX);
            let text = with_task(domain()?, |task| readable(&task.memory, a0 as usize, len))?;
            k.console_write(text);
            Ok(Value::One(len as u64))
        }
        4 => Ok(Value::Wide(k.now_ns())),
        5 => {
            let priority = u8::try_from(a2).map_err(|_| Error::InvalidArgument)?;
            let domain = domain()?;
            let thread = create_thread(domain, a0 as usize, a1 as usize, priority)?;
            register(domain, thread, false)
        }
        6 => {
            let thread = object(a0)?;
            let code = k.thread_join(thread, timeout(a1))?;
            with_task(domain()?, |task| {
                task.forget_handle(a0 as usize);
                Ok(())
            })?;
            Ok(Value::One(code as i64 as u64))
        }
        7 => register(domain()?, k.mutex_create()?, true),
        8 => none(k.mutex_lock(object(a0)?, timeout(a1))),
        9 => none(k.mutex_unlock(object(a0)?)),
        10 => {
            let (initial, max) = (u32::try_from(a0), u32::try_from(a1));
            let (Ok(initial), Ok(max)) = (initial, max) else { return Err(Error::InvalidArgument) };
            register(domain()?, k.semaphore_create(initial, max)?, true)
        }
        11 => none(k.semaphore_wait(object(a0)?, timeout(a1))),
        12 => none(k.semaphore_post(object(a0)?)),
        13 => {
            if a0 & !3 != 0 {
                return Err(Error::InvalidArgument);
            }
            register(domain()?, k.event_create(a0 & 1 != 0, a0 & 2 != 0)?, true)
        }
        14 => none(k.event_wait(object(a0)?, timeout(a1))),
        15 => none(k.event_set(object(a0)?)),
        16 => none(k.event_reset(object(a0)?)),
        17 => open_named(domain()?, a0, a1, Kind::Port),
        18 => {
            let port = object(a0)?;
            let msg = with_task(domain()?, |task| readable(&task.memory, a1 as usize, a2 as usize))?;
            none(k.port_send(port, msg, timeout(a3)))
        }
        19 => {
            let port = object(a0)?;
            let buf = with_task(domain()?, |task| writable(&task.memory, a1 as usize, a2 as usize))?;
            k.port_receive(port, buf, timeout(a3)).map(|size| Value::One(size as u64))
        }
        20 => Ok(Value::One(0)),
        21 => open_named(domain()?, a0, a1, Kind::SharedObject),
        22 => {
            let object = object(a0)?;
            let buf = with_task(domain()?, |task| writable(&task.memory, a1 as usize, a2 as usize))?;
            k.shared_read(object, buf).map(Value::Wide)
        }
        23 => open_named(domain()?, a0, a1, Kind::Transaction),
        24 => {
            let (txn, shared) = (object(a0)?, object(a1)?);
            let buf = with_task(domain()?, |task| writable(&task.memory, a2 as usize, a3 as usize))?;
            none(k.txn_read(txn, shared, buf))
        }
        25 => {
            let (txn, shared) = (object(a0)?, object(a1)?);
            let bytes = with_task(domain()?, |task| readable(&task.memory, a2 as usize, a3 as usize))?;
            none(k.txn_write(txn, shared, bytes))
        }
        26 => none(k.txn_vote(object(a0)?, a1 != 0, timeout(a2))),
        _ => stop_current(-1000 - svc_class, format_args!("unknown system call {number}")),
    }
}

/// `*_open(name ptr, len)`: a named object the task was granted, of the kind the call is for.
fn open_named(domain: DomainId, name: u64, len: u64, kind: Kind) -> Result<Value, Error> {
    let object = with_task(domain, |task| {
        let name = readable(&task.memory, name as usize, (len as usize).min(64))?;
        task.port(name).filter(|h| h.kind() == Some(kind)).ok_or(Error::InvalidArgument)
    })?;
    register(domain, object, false)
}

/// Puts a new object in the task's table (and its cleanup list when it owns it).
fn register(domain: DomainId, object: Handle, owned: bool) -> Result<Value, Error> {
    with_task(domain, |task| {
        let user = task.add_handle(object)?;
        if owned {
            task.created.push(object);
        }
        Ok(Value::One(user as u64))
    })
}
