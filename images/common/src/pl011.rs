//! PL011 UART at the address the board gives: transmit only, polled.

use core::ptr::{read_volatile, write_volatile};

const DATA: usize = 0x00;
const FLAGS: usize = 0x18;
const FLAG_TX_FULL: u32 = 1 << 5;
const CONTROL: usize = 0x30;

/// One PL011.
pub struct Pl011 {
    base: usize,
}

impl Pl011 {
    /// The PL011 whose registers are at `base`.
    ///
    /// # Safety
    /// `base` must be the MMIO block of a PL011 (mapped as device memory wherever it is used).
    pub const unsafe fn new(base: usize) -> Pl011 {
        Pl011 { base }
    }

    /// Enables the UART and its transmitter (QEMU needs no baud set-up).
    pub fn init(&self) {
        // SAFETY: the PL011 MMIO block of this board (the contract of `Pl011::new`);
        // CR = UARTEN | TXE | RXE.
        unsafe { write_volatile((self.base + CONTROL) as *mut u32, 0x301) };
    }

    /// Writes bytes, turning `\n` into `\r\n`.
    pub fn write(&self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                self.put(b'\r');
            }
            self.put(byte);
        }
    }

    fn put(&self, byte: u8) {
        // SAFETY: PL011 registers of this board (the contract of `Pl011::new`); polling FR
        // before writing DR.
        unsafe {
            while read_volatile((self.base + FLAGS) as *const u32) & FLAG_TX_FULL != 0 {}
            write_volatile((self.base + DATA) as *mut u32, byte as u32);
        }
    }
}
