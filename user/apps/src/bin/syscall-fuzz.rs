//! Makes as many random system calls as its argument says (`wells_user::fuzz`), then prints
//! `fuzz syscalls (64-bit): N calls, ...` (or 32-bit); exits 1 if the kernel accepted a
//! buffer it had to refuse or wrote outside the buffer it was given.
//!
//! Needs a port named "fuzz" granted to the task (16-byte messages).
#![no_std]
#![no_main]

use wells_user::fuzz::{self, Targets};
use wells_user::println;

wells_user::entry!(main);

/// The same sequence every run; another width gets another one.
const SEED: u64 = 0x5EED_0000 + usize::BITS as u64;

/// The board the kernel runs on (`boards/*.toml`, chosen by `build.rs`).
#[allow(dead_code)]
mod facts {
    include!(concat!(env!("OUT_DIR"), "/facts.rs"));
}

/// The Armv7-M system control space (MPU, NVIC): the Thumb build runs on the Cortex-M3 (an
/// architecture address, not a board's); elsewhere the console again.
#[cfg(wells_mpu)]
const SYSTEM_CONTROL: (usize, usize) = (0xE000_E000, 0x1000);
#[cfg(not(wells_mpu))]
const SYSTEM_CONTROL: (usize, usize) = (facts::CONSOLE_BASE, facts::CONSOLE_SIZE);

/// Read-only data of this program (mapped R only).
static READ_ONLY: [u8; 16] = [0xA5; 16];

fn main(calls: usize) -> i32 {
    // Kernel RAM, the kernel image, the devices the kernel drives (console, clock, interrupt
    // controller), and on the Cortex-M the system control space (MPU, NVIC).
    let mut kernel = [(0, 0); 8];
    let fixed = [(facts::RAM_BASE, 0x1_0000), (facts::IMAGE_BASE, 0x1_0000), SYSTEM_CONTROL];
    let mut count = 0;
    for (slot, &target) in kernel.iter_mut().zip(fixed.iter().chain(facts::KERNEL_DEVICES)) {
        *slot = target;
        count += 1;
    }
    let targets = Targets {
        kernel: &kernel[..count],
        read_only: READ_ONLY.as_ptr() as usize,
        // What the test gives it.
        priority: 8,
        // The MPU boards' tasks have no shared-object or transaction calls (unknown calls there
        // stop the task).
        transactions: cfg!(not(wells_mpu)),
    };
    let r = fuzz::run(SEED, calls as u64, &targets);
    println!(
        "fuzz syscalls ({}-bit): {} calls, {} ok, {} violations, {} threads created, {} ran",
        usize::BITS,
        r.calls,
        r.ok,
        r.violations,
        r.threads_created,
        r.threads_ran
    );
    (r.violations != 0) as i32
}
