//! A kernel fault must be reported loudly, not hang or corrupt: a kernel thread recurses until
//! it runs into the guard page below its stack. The expected outcome is the overflow report
//! and exit status 101 (the harness checks both).
#![no_std]
#![no_main]

extern crate alloc;

use wells_qemu_virt_arm32::{kernel, println, Board};

#[inline(never)]
#[allow(unconditional_recursion)] // the point: it ends in the guard page
fn recurse(depth: u64) -> u64 {
    let frame = [depth; 64];
    // `black_box` keeps the frame and the recursion from being optimised away.
    core::hint::black_box(&frame);
    recurse(depth + 1) + core::hint::black_box(frame[3])
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let thread = k
        .thread_create("overflow", 5, 16 * 1024, alloc::boxed::Box::new(|| {
            println!("kernel-fault: recursing on a 16 KiB kernel stack");
            recurse(0) as i32
        }))
        .expect("create");
    kernel().thread_start(thread).expect("start");
    let _ = k.run();
    println!("kernel-fault: FAULT NOT CAUGHT");
    0
}
