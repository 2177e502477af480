//! Arm CMSDK APB UART at the address the board gives (MPS2, MPS3): transmit only, polled.

use core::ptr::{read_volatile, write_volatile};

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const STATE_TX_FULL: u32 = 1 << 0;
const CONTROL: usize = 0x08;
const CONTROL_TX_ENABLE: u32 = 1 << 0;
const BAUD_DIVIDER: usize = 0x10;

/// One CMSDK UART.
pub struct CmsdkUart {
    base: usize,
}

impl CmsdkUart {
    /// The CMSDK UART whose registers are at `base`.
    ///
    /// # Safety
    /// `base` must be the MMIO block of a CMSDK UART (device memory wherever it is used).
    pub const unsafe fn new(base: usize) -> CmsdkUart {
        CmsdkUart { base }
    }

    /// Enables the transmitter (QEMU ignores the divider, hardware needs one: 16 is its minimum).
    pub fn init(&self) {
        // SAFETY: this UART's registers (the contract of `CmsdkUart::new`).
        unsafe {
            write_volatile((self.base + BAUD_DIVIDER) as *mut u32, 16);
            write_volatile((self.base + CONTROL) as *mut u32, CONTROL_TX_ENABLE);
        }
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
        // SAFETY: this UART's registers (the contract of `CmsdkUart::new`); polling STATE before
        // writing DATA.
        unsafe {
            while read_volatile((self.base + STATE) as *const u32) & STATE_TX_FULL != 0 {}
            write_volatile((self.base + DATA) as *mut u32, byte as u32);
        }
    }
}
