//! A kernel fault must be reported loudly: a kernel thread writes to the bottom of DDR
//! (the bottom of RAM, below the image), which no MPU region covers — the kernel too is held to its least-rights map.
//! The run must end with status 101 and a report naming the abort, DFSR, DFAR and PC.
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::{println, Platform};
use wells_qemu_mps3_an536::{facts, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let thread = k
        .thread_create("bad", 5, 0, alloc::boxed::Box::new(|| {
            let below_image = facts::RAM_BASE;
            println!(Board, "kernel thread: writing to {below_image:#x} (in no MPU region)");
            // SAFETY: none; this write is meant to fault.
            unsafe { core::ptr::write_volatile(core::hint::black_box(below_image) as *mut u32, 1) };
            let _ = Board::kernel();
            0
        }))
        .expect("create");
    k.thread_start(thread).expect("start");
    let _ = k.run();
    println!(Board, "KERNEL FAULT NOT REPORTED");
    0
}
