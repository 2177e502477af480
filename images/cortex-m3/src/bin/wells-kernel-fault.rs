//! A kernel fault must be reported loudly: a kernel thread writes through a bad pointer (an
//! address with no memory behind it: BusFault). The run must end with status 101 and a report
//! naming CFSR, BFAR and the stacked PC.
#![no_std]
#![no_main]

extern crate alloc;

use wells_board_common::Platform;
use wells_image_cortex_m3::{println, Board};

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let thread = k
        .thread_create("bad", 5, 4096, alloc::boxed::Box::new(|| {
            println!("kernel thread: writing to 0x3000_0000 (no memory there)");
            // SAFETY: none; this write is meant to fault.
            unsafe { core::ptr::write_volatile(core::hint::black_box(0x3000_0000usize) as *mut u32, 1) };
            let _ = Board::kernel();
            0
        }))
        .expect("create");
    k.thread_start(thread).expect("start");
    let _ = k.run();
    println!("KERNEL FAULT NOT REPORTED");
    0
}
