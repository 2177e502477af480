//! The CMSDK UART each partition sees at the board's UART0 address, emulated: the EL2 MPU gives no
//! partition that page, so every access is a data abort at EL2, decoded from the syndrome and
//! answered here. Bytes written to DATA are collected into lines, each printed as `[name] text`;
//! STATE reads "transmitter not full, nothing received"; CTRL and BAUDDIV keep what was written.

use super::board::UART;

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const BAUDDIV: usize = 0x10;

/// Longest line kept; a longer one is printed in parts.
const LINE: usize = 256;

/// One partition's UART.
pub(crate) struct VirtualUart {
    line: [u8; LINE],
    len: usize,
    ctrl: u32,
    baud_divider: u32,
}

impl VirtualUart {
    pub(crate) const fn new() -> VirtualUart {
        VirtualUart { line: [0; LINE], len: 0, ctrl: 0, baud_divider: 0 }
    }

    /// A byte of partition `name`'s console: printed with the line it ends.
    pub(crate) fn put(&mut self, name: &str, byte: u8) {
        if byte == b'\r' {
            return;
        }
        if byte != b'\n' {
            self.line[self.len] = byte;
            self.len += 1;
        }
        if byte == b'\n' || self.len == LINE {
            self.flush(name);
        }
    }

    /// Prints what is collected, if anything.
    pub(crate) fn flush(&mut self, name: &str) {
        if self.len == 0 {
            return;
        }
        UART.write(b"[");
        UART.write(name.as_bytes());
        UART.write(b"] ");
        UART.write(&self.line[..self.len]);
        UART.write(b"\n");
        self.len = 0;
    }

    /// A load from register `offset`.
    pub(crate) fn read(&self, offset: usize) -> u32 {
        match offset {
            CTRL => self.ctrl,
            BAUDDIV => self.baud_divider,
            _ => 0,
        }
    }

    /// A store of `value` to register `offset`.
    pub(crate) fn write(&mut self, name: &str, offset: usize, value: u32) {
        match offset {
            DATA => self.put(name, value as u8),
            CTRL => self.ctrl = value,
            BAUDDIV => self.baud_divider = value,
            STATE => {}
            _ => {}
        }
    }
}
