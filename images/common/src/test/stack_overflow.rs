//! A kernel fault must be reported loudly, not hang or corrupt: a kernel thread recurses until
//! it runs into the guard page below its stack (boards with an MMU). The expected outcome is the
//! board's overflow report and exit status 101 (the harness checks both).

use crate::Platform;
use alloc::boxed::Box;

#[inline(never)]
#[allow(unconditional_recursion)] // the point: it ends in the guard page
fn recurse(depth: u64) -> u64 {
    let frame = [depth; 64];
    // `black_box` keeps the frame and the recursion from being optimised away.
    core::hint::black_box(&frame);
    recurse(depth + 1) + core::hint::black_box(frame[3])
}

/// Runs the overflowing thread; returns 0 only if the fault was not caught.
pub fn run<P: Platform>(board: &P) -> i32 {
    let k = board.new_kernel();
    let thread = k
        .thread_create("overflow", 5, 16 * 1024, Box::new(|| {
            crate::println!(P, "kernel-fault: recursing on a 16 KiB kernel stack");
            recurse(0) as i32
        }))
        .expect("create");
    P::kernel().thread_start(thread).expect("start");
    let _ = k.run();
    crate::println!(P, "kernel-fault: FAULT NOT CAUGHT");
    0
}
