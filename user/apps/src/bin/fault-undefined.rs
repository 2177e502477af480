//! Executes an undefined instruction (`udf #0`): the kernel must stop the task.
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

fn main(_arg: usize) -> i32 {
    println!("fault-undefined: about to execute udf #0");
    // SAFETY: none; this instruction is meant to fault. Permanently undefined: 0x00000000 on
    // AArch64, 0xe7f000f0 in A32 (0xde00 in T32).
    unsafe { core::arch::asm!("udf #0", options(nostack, nomem)) };
    println!("FAULT NOT CAUGHT");
    77
}
