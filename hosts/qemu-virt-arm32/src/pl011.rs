//! PL011 UART0 of QEMU virt: transmit only, polled. A copy of the arm64 board's driver.

use core::ptr::{read_volatile, write_volatile};

const BASE: usize = 0x0900_0000;
const DATA: usize = 0x00;
const FLAGS: usize = 0x18;
const FLAG_TX_FULL: u32 = 1 << 5;
const CONTROL: usize = 0x30;

/// Enables the UART and its transmitter (QEMU needs no baud set-up).
pub fn init() {
    // SAFETY: BASE is the PL011 MMIO block of this board; CR = UARTEN | TXE | RXE.
    unsafe { write_volatile((BASE + CONTROL) as *mut u32, 0x301) };
}

/// Writes bytes, turning `\n` into `\r\n`.
pub fn write(bytes: &[u8]) {
    for &byte in bytes {
        if byte == b'\n' {
            put(b'\r');
        }
        put(byte);
    }
}

fn put(byte: u8) {
    // SAFETY: PL011 registers of this board; polling FR before writing DR.
    unsafe {
        while read_volatile((BASE + FLAGS) as *const u32) & FLAG_TX_FULL != 0 {}
        write_volatile((BASE + DATA) as *mut u32, byte as u32);
    }
}
