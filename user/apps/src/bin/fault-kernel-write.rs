//! Writes to the kernel's text at 0x4008_0000: the kernel must stop the task.
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

const KERNEL_TEXT: usize = 0x4008_0000;

fn main(_arg: usize) -> i32 {
    println!("fault-kernel-write: about to write {:#x}", KERNEL_TEXT);
    // SAFETY: none; this store is meant to fault.
    unsafe {
        core::arch::asm!(
            "str {v}, [{a}]",
            v = in(reg) 0xdead_usize,
            a = in(reg) core::hint::black_box(KERNEL_TEXT),
            options(nostack),
        )
    };
    println!("FAULT NOT CAUGHT");
    77
}
