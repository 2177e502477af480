//! The UART a VM sees (emulated by the hypervisor), polled: what the guest believes its console
//! is. A PL011 on QEMU virt; on the Cortex-R52 (`wells_r52`) the board's CMSDK UART.

use core::ptr::{read_volatile, write_volatile};

const BASE: usize = crate::facts::GUEST_CONSOLE;
#[cfg(not(wells_r52))]
const DR: usize = 0x00;
#[cfg(not(wells_r52))]
const FR: usize = 0x18;
#[cfg(not(wells_r52))]
const TX_FULL: u32 = 1 << 5;
// CMSDK: DATA, and STATE whose bit 0 says the transmitter is full.
#[cfg(wells_r52)]
const DR: usize = 0x00;
#[cfg(wells_r52)]
const FR: usize = 0x04;
#[cfg(wells_r52)]
const TX_FULL: u32 = 1 << 0;

pub struct Uart;

impl core::fmt::Write for Uart {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for &byte in text.as_bytes() {
            // SAFETY: the UART registers of the board layout this guest is linked for.
            unsafe {
                while read_volatile((BASE + FR) as *const u32) & TX_FULL != 0 {}
                write_volatile((BASE + DR) as *mut u32, byte as u32);
            }
        }
        Ok(())
    }
}
