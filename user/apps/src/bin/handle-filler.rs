//! Creates mutexes until its handle table is full, then asks for ten more mutexes, ten
//! semaphores, ten events and ten threads, each of which must be refused with -5 (limit), and
//! none of the threads may run (#23: they used to be started before their handle was refused).
//! A 64-bit build first asks for a thread at an odd address, which A64 has no instruction at:
//! refused with -1, never started at the address rounded down. Exits 0 if all is so; the
//! kernel side checks every refused call left everything as it was.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use wells_user::{event_create, mutex_create, nr, println, sem_create, sleep, syscall, thread_create, Error};

wells_user::entry!(main);

/// The task's priority (what the test gives it), for its threads.
const PRIORITY: u32 = 8;

/// Counts itself in the counter `arg` points to, then ends.
extern "C" fn counted(arg: usize) -> ! {
    // SAFETY: `arg` is `main`'s counter, which lives until the task ends.
    unsafe { &*(arg as *const AtomicU32) }.fetch_add(1, Ordering::SeqCst);
    wells_user::exit(0)
}

fn main(_arg: usize) -> i32 {
    let ran = AtomicU32::new(0);
    let counter = &ran as *const AtomicU32 as usize;
    let mut bad = 0;
    if usize::BITS == 64 {
        // SAFETY: no buffer is passed; the kernel must refuse the odd entry.
        let (status, _) = unsafe { syscall(nr::THREAD_CREATE, &[counted as *const () as usize | 1, counter, PRIORITY as usize, 0]) };
        if status != Error::INVALID_ARGUMENT.code() as isize {
            println!("handle-filler: thread_create at an odd address gave {}, expected -1", status);
            bad += 1;
        }
    }
    let mut made = 0;
    while mutex_create().is_ok() {
        made += 1;
    }
    let refused = |what: &str, call: &mut dyn FnMut() -> Result<(), Error>| {
        let count = (0..10).filter(|_| call() == Err(Error::LIMIT)).count();
        println!("handle-filler: {} of 10 {} refused with -5", count, what);
        (count != 10) as i32
    };
    bad += refused("mutexes", &mut || mutex_create().map(drop));
    bad += refused("semaphores", &mut || sem_create(0, 1).map(drop));
    bad += refused("events", &mut || event_create(0).map(drop));
    bad += refused("threads", &mut || thread_create(counted, counter, PRIORITY).map(drop));
    // A thread started anyway would run now.
    let _ = sleep(10);
    let ran = ran.load(Ordering::SeqCst);
    println!("handle-filler: {} mutexes; {} refused threads ran", made, ran);
    bad + (ran != 0) as i32
}
