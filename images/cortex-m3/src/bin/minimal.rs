//! The Cortex-M3 minimal configuration (feature `minimal`): the smallest useful wells, a kernel
//! and two threads — the image issue 21 measures for size (`cargo xtask bench`). Two threads
//! hand a token back and forth through two semaphores, one of them sleeping now and then so the
//! timer runs too; each thread says it runs (a plain console write, no formatting). The run
//! checks the count and the static stacks' headroom, and reports the kernel's RAM: its heap in
//! use beyond the two thread stacks, and its static data.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_board_common::Platform;
use wells_core::{Handle, Timeout};
use wells_image_cortex_m3::minimal::{write, write_decimal};
use wells_image_cortex_m3::Board;

/// Round trips of the token.
const ROUNDS: u32 = 1000;
/// Stack of each thread: the smallest the two need with room to spare.
const STACK: usize = 1024;

/// Bytes each static stack must have left untouched at the end of the run.
const MIN_HEADROOM: usize = 128;

static PONGS: AtomicU32 = AtomicU32::new(0);

fn ping(there: Handle, back: Handle) -> i32 {
    let k = Board::kernel();
    write("minimal: ping runs\n");
    for round in 0..ROUNDS {
        if k.semaphore_post(there).is_err() || k.semaphore_wait(back, Timeout::Forever).is_err() {
            return 1;
        }
        if round % 100 == 0 && k.sleep_ns(1_000_000).is_err() {
            return 2;
        }
    }
    0
}

fn pong(there: Handle, back: Handle) -> i32 {
    let k = Board::kernel();
    write("minimal: pong runs\n");
    for _ in 0..ROUNDS {
        if k.semaphore_wait(there, Timeout::Forever).is_err() || k.semaphore_post(back).is_err() {
            return 1;
        }
        PONGS.fetch_add(1, Ordering::Relaxed);
    }
    0
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let (Ok(there), Ok(back)) = (k.semaphore_create(0, 1), k.semaphore_create(0, 1)) else {
        write("minimal: semaphore_create failed\n");
        return 1;
    };
    let threads = [
        k.thread_create("ping", 10, STACK, Box::new(move || ping(there, back))),
        k.thread_create("pong", 10, STACK, Box::new(move || pong(there, back))),
    ];
    let [Ok(ping), Ok(pong)] = threads else {
        write("minimal: thread_create failed\n");
        return 1;
    };
    if k.thread_start(ping).is_err() || k.thread_start(pong).is_err() {
        write("minimal: thread_start failed\n");
        return 1;
    }
    let heap = board.heap_stats().used;
    if k.run().is_err() {
        write("minimal: run failed\n");
        return 1;
    }
    let codes = [k.thread_join(ping, Timeout::NoWait), k.thread_join(pong, Timeout::NoWait)];
    write("minimal: ");
    write_decimal(PONGS.load(Ordering::Relaxed));
    write(" round trips\n");
    // Kernel RAM: the image's static data and stacks, and the heap the kernel and its two
    // threads hold beyond the threads' own stacks (`cargo xtask bench` reads this line).
    let kernel_heap = heap - 2 * STACK;
    let statics = wells_image_cortex_m3::minimal::static_ram();
    write("minimal: kernel RAM ");
    write_decimal((statics + kernel_heap) as u32);
    write(" bytes: static ");
    write_decimal(statics as u32);
    write(", heap ");
    write_decimal(kernel_heap as u32);
    write("\n");
    // The static stacks were sized from this run's deepest use (`build.rs`): say what is left.
    let [handler, boot] = wells_image_cortex_m3::minimal::stack_headroom();
    write("minimal: stack headroom: handler ");
    write_decimal(handler as u32);
    write(", boot ");
    write_decimal(boot as u32);
    write(" bytes\n");
    if handler < MIN_HEADROOM || boot < MIN_HEADROOM {
        write("minimal: FAILED, a static stack is nearly full\n");
        return 1;
    }
    if codes != [Ok(0), Ok(0)] || PONGS.load(Ordering::Relaxed) != ROUNDS {
        write("minimal: FAILED, exit codes ");
        for code in codes {
            write_decimal(code.map_or_else(|e| 1000 + e as u32, |c| c as u32));
            write(" ");
        }
        write("\n");
        return 1;
    }
    0
}
