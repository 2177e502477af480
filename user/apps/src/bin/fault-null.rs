//! Reads address 0: the kernel must stop the task (a data abort at EL0).
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

fn main(_arg: usize) -> i32 {
    println!("fault-null: about to read 0");
    // SAFETY: none; this read is meant to fault.
    let value = unsafe { read_word(core::hint::black_box(0)) };
    println!("FAULT NOT CAUGHT (read {:#x})", value);
    77
}

/// One load the compiler cannot reason away (a null read is UB to it, not to the CPU).
unsafe fn read_word(addr: usize) -> usize {
    let value: usize;
    // SAFETY: deliberately invalid: the load must fault and stop this task.
    unsafe {
        core::arch::asm!("ldr {v}, [{a}]", v = out(reg) value, a = in(reg) addr, options(nostack, readonly))
    };
    value
}
