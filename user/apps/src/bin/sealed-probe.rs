//! On a sealed kernel (`docs/core.md`, "Static configuration"): every object-creating call must
//! be refused with -19 (sealed). Exits 0 when all four were, 1 otherwise.
#![no_std]
#![no_main]

use wells_user::{event_create, mutex_create, println, sem_create, thread_create, Error};

wells_user::entry!(main);

extern "C" fn worker(arg: usize) -> ! {
    wells_user::exit(arg as i32)
}

fn main(_arg: usize) -> i32 {
    let refused = [
        ("sem_create", sem_create(0, 1).err()),
        ("mutex_create", mutex_create().err()),
        ("event_create", event_create(0).err()),
        ("thread_create", thread_create(worker, 0, 1).err()),
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
