//! Writes to the kernel's image (or, where it runs from flash, its RAM): the kernel must stop
//! the task.
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

/// The board the kernel runs on (`boards/*.toml`, chosen by `build.rs`).
#[allow(dead_code)]
mod facts {
    include!(concat!(env!("OUT_DIR"), "/facts.rs"));
}

/// The kernel's image where it is loaded into RAM, else (executed in place from flash) the
/// kernel's RAM: its data.
const KERNEL_TEXT: usize = if facts::IMAGE_BASE > facts::RAM_BASE { facts::IMAGE_BASE } else { facts::RAM_BASE };

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
