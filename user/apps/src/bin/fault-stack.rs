//! Recurses with a big frame until the stack runs into its guard page: the kernel must stop
//! the task.
#![no_std]
#![no_main]

use core::hint::black_box;

use wells_user::println;

wells_user::entry!(main);

/// Bytes of each frame, well under the 4 KiB guard so no frame can step over it.
const FRAME: usize = 1024;

fn main(_arg: usize) -> i32 {
    println!("fault-stack: about to recurse past the 16 KiB stack");
    let depth = recurse(0);
    println!("FAULT NOT CAUGHT (depth {})", depth);
    77
}

/// Not a tail call: the result is used after the inner call, and the frame's buffer is written
/// before and read after it.
#[inline(never)]
fn recurse(depth: usize) -> usize {
    let mut frame = [0u8; FRAME];
    frame[0] = depth as u8;
    frame[FRAME - 1] = depth as u8;
    black_box(&mut frame);
    let deeper = if black_box(true) {
        recurse(depth + 1)
    } else {
        depth
    };
    black_box(&frame);
    deeper + frame[depth % FRAME] as usize
}
