//! Says so once, then loops forever without any system call: the kernel's test checks that a
//! higher-priority task still runs (and that time slicing takes the CPU back).
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicUsize, Ordering};

wells_user::entry!(main);

/// Touched every turn so the loop does some work the compiler must keep.
static TURNS: AtomicUsize = AtomicUsize::new(0);

fn main(_arg: usize) -> i32 {
    wells_user::println!("spinner: spinning without system calls");
    loop {
        TURNS.store(
            TURNS.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
    }
}
