//! A task sees only its own memory: it writes a marker (its argument) to a static, checks after
//! a sleep that no other task's copy changed it (another instance may run at the same address),
//! prints its own view, then reads the kernel's text at 0x4008_0000, which must fault.
#![no_std]
#![no_main]

use core::ptr::{addr_of_mut, read_volatile, write_volatile};

use wells_user::println;

wells_user::entry!(main);

const KERNEL_TEXT: usize = 0x4008_0000;

static mut MARKER: usize = 0;

fn main(arg: usize) -> i32 {
    let marker = 0x1500_0000 | (arg & 0xffff);
    let at = addr_of_mut!(MARKER);
    // SAFETY: only this thread touches MARKER.
    unsafe { write_volatile(at, marker) };
    let _ = wells_user::sleep(20);
    // SAFETY: as above.
    let seen = unsafe { read_volatile(at) };
    println!(
        "isolation: marker at {:#x} = {:#x} (wrote {:#x})",
        at as usize, seen, marker
    );
    if seen != marker {
        println!("isolation: marker changed: memory is shared");
        return 1;
    }
    println!("isolation: about to read kernel text at {:#x}", KERNEL_TEXT);
    let value: usize;
    // SAFETY: none; this load is meant to fault.
    unsafe {
        core::arch::asm!(
            "ldr {v}, [{a}]",
            v = out(reg) value,
            a = in(reg) core::hint::black_box(KERNEL_TEXT),
            options(nostack, readonly),
        )
    };
    println!("FAULT NOT CAUGHT (read {:#x})", value);
    77
}
