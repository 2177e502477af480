//! A task sees only its own memory. Run as two instances of this program (same addresses):
//! - argument 1, the holder: writes its marker to a static, sends the static's address on port
//!   "marker", waits for the prober's word on port "done", then checks its marker is unchanged
//!   (exit 0, or 1 if another task reached it);
//! - argument 2, the prober: receives that address and writes its own value there through its
//!   own mapping (it must fault, or land in its own copy), tells the holder, then reads the
//!   kernel's image, which must fault.
//! Alone (argument 0) it only reads the kernel's image (or, where that runs from flash, the
//! kernel's RAM). With any other argument, the address of another task's RAM (the MPU boards'
//! test gives it), it writes there, which must fault.
#![no_std]
#![no_main]

use core::ptr::{addr_of_mut, read_volatile, write_volatile};

use wells_user::{port_open, port_receive, port_send, println};

wells_user::entry!(main);

/// The board the kernel runs on (`boards/*.toml`, chosen by `build.rs`).
#[allow(dead_code)]
mod facts {
    include!(concat!(env!("OUT_DIR"), "/facts.rs"));
}

/// The kernel's image where it is in RAM, else (executed in place from flash) its RAM.
const KERNEL_TEXT: usize = if facts::IMAGE_BASE > facts::RAM_BASE { facts::IMAGE_BASE } else { facts::RAM_BASE };
const HOLDER: usize = 0x1500_0001;
const PROBER: usize = 0x1500_0002;
/// A lost peer shows as an error instead of a hang.
const TIMEOUT_MS: u32 = 5000;

static mut MARKER: usize = 0;

fn main(arg: usize) -> i32 {
    match arg {
        1 => hold(),
        2 => probe(),
        0 => read_kernel_text(),
        victim => write_victim(victim),
    }
}

/// Writes into another task's RAM at `victim` (plus 16 bytes).
fn write_victim(victim: usize) -> i32 {
    println!("isolation: about to write another task's RAM at {:#x}", victim + 16);
    // SAFETY: none; this store is meant to fault.
    unsafe {
        core::arch::asm!(
            "str {v}, [{a}]",
            v = in(reg) 0xbad0_bad0_usize,
            a = in(reg) core::hint::black_box(victim + 16),
            options(nostack),
        )
    };
    println!("FAULT NOT CAUGHT (wrote another task's RAM)");
    77
}

fn hold() -> i32 {
    let (Ok(marker), Ok(done)) = (port_open("marker"), port_open("done")) else { return 2 };
    let at = addr_of_mut!(MARKER);
    // SAFETY: only this thread of this task touches its MARKER.
    unsafe { write_volatile(at, HOLDER) };
    if port_send(marker, &(at as u64).to_le_bytes(), TIMEOUT_MS).is_err() {
        return 2;
    }
    let mut word = [0u8; 8];
    let heard = port_receive(done, &mut word, TIMEOUT_MS);
    // SAFETY: as above.
    let seen = unsafe { read_volatile(at) };
    println!("isolation: holder's marker at {:#x} = {:#x} (wrote {:#x}), prober {:?}", at as usize, seen, HOLDER, heard.map(|_| ()));
    if seen != HOLDER {
        println!("isolation: marker changed: memory is shared");
        return 1;
    }
    0
}

fn probe() -> i32 {
    let (Ok(marker), Ok(done)) = (port_open("marker"), port_open("done")) else { return 2 };
    let mut address = [0u8; 8];
    if port_receive(marker, &mut address, TIMEOUT_MS).is_err() {
        return 2;
    }
    let at = u64::from_le_bytes(address) as usize as *mut usize;
    // SAFETY: a deliberate write to the other task's address, through this task's own mapping:
    // it can only fault or land in this task's own copy.
    unsafe { write_volatile(at, PROBER) };
    // SAFETY: as above.
    let seen = unsafe { read_volatile(at) };
    println!("isolation: prober wrote {:#x} at {:#x}, reads back {:#x}", PROBER, at as usize, seen);
    let _ = port_send(done, &[0; 8], TIMEOUT_MS);
    read_kernel_text()
}

fn read_kernel_text() -> i32 {
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
