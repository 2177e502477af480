//! The system-call dispatcher (ABI in docs/syscalls.md, AArch32 column: number in r7,
//! arguments r0..r5, status r0, value r1, `time`'s high word r2): decode the call from the
//! trap, check every pointer against the caller's memory and every handle against its table,
//! call the kernel, and put status and value back into the task's stacked frame.

use super::{create_thread, stop_current, with_task};
use crate::board::{kernel, CPU};
use wells_core::arch::armv7m::exceptions::SVCALL;
use wells_core::arch::armv7m::TrapFrame;
use wells_core::domain::DomainId;
use wells_core::{Arch, Error, Handle, Timeout};

/// Most bytes one `console_write` takes.
const CONSOLE_MAX: usize = 1024;

/// What a call gives back besides its status.
enum Value {
    One(u32),
    /// 64 bits, split over r1/r2.
    Wide(u64),
}

/// Handles an `svc` from a task.
pub fn handle(frame: &mut TrapFrame) {
    let number = frame.high(7);
    // SAFETY: an SVC was taken, so the CPU stacked the frame on the task's stack.
    let stacked = unsafe { frame.stacked() };
    let args = [stacked.r0, stacked.r1, stacked.r2, stacked.r3];
    // System calls may block: let interrupts in while the kernel works for the caller.
    CPU.irq_restore(true);
    let result = call(number, args);
    CPU.irq_save();
    // SAFETY: as above; the kernel stack kept `frame` alive across any switch.
    let stacked = unsafe { frame.stacked() };
    match result {
        Ok(Value::One(value)) => {
            stacked.r0 = 0;
            stacked.r1 = value;
        }
        Ok(Value::Wide(value)) => {
            stacked.r0 = 0;
            stacked.r1 = value as u32;
            stacked.r2 = (value >> 32) as u32;
        }
        Err(error) => {
            stacked.r0 = (-(error as i32)) as u32;
            stacked.r1 = 0;
        }
    }
}

fn none(result: wells_core::Result<()>) -> Result<Value, Error> {
    result.map(|()| Value::One(0))
}

fn timeout(ms: u32) -> Timeout {
    Timeout::from_ms(ms)
}

fn readable(domain: DomainId, ptr: u32, len: usize) -> Result<&'static [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    with_task(domain, |task| if ptr != 0 && task.may_access(ptr as usize, len, false) { Ok(()) } else { Err(Error::InvalidArgument) })?;
    // SAFETY: the range lies in the task's RAM or the image, both alive while the task is; the
    // kernel only copies bytes out.
    Ok(unsafe { core::slice::from_raw_parts(ptr as *const u8, len) })
}

fn writable(domain: DomainId, ptr: u32, len: usize) -> Result<&'static mut [u8], Error> {
    if len == 0 {
        return Ok(&mut []);
    }
    with_task(domain, |task| if ptr != 0 && task.may_access(ptr as usize, len, true) { Ok(()) } else { Err(Error::InvalidArgument) })?;
    // SAFETY: as above, in the task's own RAM.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr as *mut u8, len) })
}

fn call(number: u32, [a0, a1, a2, a3]: [u32; 4]) -> Result<Value, Error> {
    let k = kernel();
    let domain = || k.current_domain();
    let object = |user: u32| with_task(domain()?, |task| task.handle(user as usize));
    match number {
        0 => Err(k.thread_exit(a0 as i32)),
        1 => none(k.yield_now()),
        2 => none(k.sleep_ns(a0 as u64 * 1_000_000)),
        3 => {
            let len = (a1 as usize).min(CONSOLE_MAX);
            let text = readable(domain()?, a0, len)?;
            k.console_write(text);
            Ok(Value::One(len as u32))
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
            Ok(Value::One(code as u32))
        }
        7 => register(domain()?, k.mutex_create()?, true),
        8 => none(k.mutex_lock(object(a0)?, timeout(a1))),
        9 => none(k.mutex_unlock(object(a0)?)),
        10 => register(domain()?, k.semaphore_create(a0, a1)?, true),
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
        17 => {
            let domain = domain()?;
            let name = readable(domain, a0, (a1 as usize).min(64))?;
            let port = with_task(domain, |task| task.port(name).ok_or(Error::InvalidArgument))?;
            register(domain, port, false)
        }
        18 => {
            let port = object(a0)?;
            let msg = readable(domain()?, a1, a2 as usize)?;
            none(k.port_send(port, msg, timeout(a3)))
        }
        19 => {
            let port = object(a0)?;
            let buf = writable(domain()?, a1, a2 as usize)?;
            k.port_receive(port, buf, timeout(a3)).map(|size| Value::One(size as u32))
        }
        20 => Ok(Value::One(0)),
        _ => stop_current(-1000 - SVCALL as i32, format_args!("unknown system call {number}")),
    }
}

/// Puts a new object in the task's table (and its cleanup list when it owns it).
fn register(domain: DomainId, object: Handle, owned: bool) -> Result<Value, Error> {
    with_task(domain, |task| {
        let user = task.add_handle(object)?;
        if owned {
            task.created.push(object);
        }
        Ok(Value::One(user as u32))
    })
}
