//! The secure service (`docs/monitor.md`), a task of the secure world's supervisor at S-EL0: a
//! monotonic counter and a small key-value store that only it can change, and the count of
//! secure ticks it was given. It tells the monitor it is ready, then answers one event at a
//! time: each answer goes up with `secure_call(SECURE_DONE, status, value)`, which returns with
//! the next event (a normal-world call, or secure ticks).
#![no_std]
#![no_main]

use wells_user::println;
use wells_user::secure::*;

wells_user::entry!(main);

/// What the service keeps, in the secure world's memory.
struct Service {
    counter: u64,
    values: [Option<u32>; KEYS as usize],
    ticks: u64,
}

impl Service {
    /// The answer (status, value) to one call.
    fn answer(&mut self, function: u32, arg1: u64, arg2: u64) -> (i64, u64) {
        match function {
            SERVICE_VERSION => (SUCCESS, VERSION),
            COUNTER_READ => (SUCCESS, self.counter),
            COUNTER_INCREMENT => {
                self.counter += 1;
                (SUCCESS, self.counter)
            }
            KV_GET if arg1 >= KEYS => (BAD_KEY, 0),
            KV_GET => match self.values[arg1 as usize] {
                Some(value) => (SUCCESS, value as u64),
                None => (NOT_FOUND, 0),
            },
            KV_PUT if arg1 >= KEYS => (BAD_KEY, 0),
            KV_PUT if arg1 < FIRST_WRITABLE_KEY => (DENIED, 0),
            KV_PUT => match u32::try_from(arg2) {
                Ok(value) => {
                    self.values[arg1 as usize] = Some(value);
                    (SUCCESS, 0)
                }
                Err(_) => (TOO_BIG, 0),
            },
            SECURE_TICKS => (SUCCESS, self.ticks),
            _ => (NOT_SUPPORTED, 0),
        }
    }
}

fn main(_arg: usize) -> i32 {
    let mut service = Service { counter: 0, values: [None; KEYS as usize], ticks: 0 };
    service.values[KEY_SECURE_ID as usize] = Some(SECURE_ID as u32);
    println!("secure-service: ready at S-EL0 (counter, {} keys, ticks); waiting for calls", KEYS);
    // The first SECURE_DONE says "ready"; its status and value go nowhere.
    let mut answer = (SUCCESS, 0);
    loop {
        let event = match wells_user::secure_call(SECURE_DONE, answer.0 as u64, answer.1) {
            Ok(event) => event,
            Err(error) => {
                println!("secure-service: SECURE_DONE refused: {}", error.describe());
                return 1;
            }
        };
        let function = event[0] as u32;
        answer = if function == SECURE_EVENT_TICK {
            service.ticks += event[1];
            (SUCCESS, 0)
        } else {
            service.answer(function, event[1], event[2])
        };
    }
}
