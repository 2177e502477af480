//! The PL011 a VM sees (emulated by the hypervisor), polled: what the guest believes its console is.

use core::ptr::{read_volatile, write_volatile};

const BASE: usize = crate::facts::GUEST_CONSOLE;
const DR: usize = 0x00;
const FR: usize = 0x18;
const FR_TXFF: u32 = 1 << 5;

pub struct Uart;

impl core::fmt::Write for Uart {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for &byte in text.as_bytes() {
            // SAFETY: the PL011 registers of the board layout this guest is linked for.
            unsafe {
                while read_volatile((BASE + FR) as *const u32) & FR_TXFF != 0 {}
                write_volatile((BASE + DR) as *mut u32, byte as u32);
            }
        }
        Ok(())
    }
}
