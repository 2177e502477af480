//! A normal-world task that reads the secure world's memory at the address it is given (its
//! kernel maps it there for the test): the read must fault, stopping this task only. If it
//! returns a value, the secure world's memory is open to the normal world: exit 1.
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

fn main(address: usize) -> i32 {
    println!("secure-peek: reading {:#x} (secure DRAM) from a normal-world task", address);
    // SAFETY: the read is meant to fault; nothing is written.
    let value = unsafe { core::ptr::read_volatile(address as *const u64) };
    println!("not ok - secure-peek read {:#x} from secure memory", value);
    1
}
