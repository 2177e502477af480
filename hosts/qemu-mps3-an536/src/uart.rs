//! The CPU's own CMSDK APB UART (UART0 of the AN536, at 0xe7c0_0000 in each CPU's private
//! space): transmit only, polled. CTRL bit 0 enables the transmitter, STATE bit 0 = TX full.

const BASE: usize = 0xe7c0_0000;
const DATA: usize = BASE;
const STATE: usize = BASE + 0x4;
const CTRL: usize = BASE + 0x8;
const BAUDDIV: usize = BASE + 0x10;

/// Its MMIO block, for the MPU.
pub(crate) const BLOCK: (usize, usize) = (BASE, 0x1000);

fn write_reg(address: usize, value: u32) {
    // SAFETY: CMSDK UART0 registers of this board.
    unsafe { core::ptr::write_volatile(address as *mut u32, value) }
}

fn read_reg(address: usize) -> u32 {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

/// Enables the transmitter.
pub fn init() {
    write_reg(BAUDDIV, 16);
    write_reg(CTRL, 1);
}

/// Writes bytes, `\n` as `\r\n`.
pub fn write(text: &[u8]) {
    for &byte in text {
        if byte == b'\n' {
            put(b'\r');
        }
        put(byte);
    }
}

fn put(byte: u8) {
    while read_reg(STATE) & 1 != 0 {}
    write_reg(DATA, byte as u32);
}
