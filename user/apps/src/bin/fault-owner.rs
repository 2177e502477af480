//! Creates a semaphore, then writes to address 0: the kernel must stop the task and destroy the
//! semaphore, waking whoever waits on it. With argument 1 it first blocks on port "go" until
//! told to go on (so a waiter can get in line).
#![no_std]
#![no_main]

use wells_user::{port_open, port_receive, println, sem_create};

wells_user::entry!(main);

/// A lost peer shows as an error instead of a hang.
const TIMEOUT_MS: u32 = 5000;

fn main(arg: usize) -> i32 {
    let Ok(_semaphore) = sem_create(0, 1) else { return 2 };
    if arg == 1 {
        let Ok(go) = port_open("go") else { return 2 };
        let mut word = [0u8; 8];
        if port_receive(go, &mut word, TIMEOUT_MS).is_err() {
            return 3;
        }
    }
    println!("fault-owner: about to write 0, owning a semaphore");
    // SAFETY: none; this store is meant to fault.
    unsafe {
        core::arch::asm!("str {v}, [{a}]", v = in(reg) 0usize, a = in(reg) core::hint::black_box(0usize), options(nostack))
    };
    println!("FAULT NOT CAUGHT (wrote 0)");
    77
}
