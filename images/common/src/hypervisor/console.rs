//! The PL011 each VM sees, emulated: what the guest writes to its data register is collected
//! into lines, and each line goes to the real console prefixed with the VM's name.

use alloc::vec::Vec;

/// Longest line kept before it is printed anyway.
const LINE_MAX: usize = 160;

const DR: usize = 0x000;
const FR: usize = 0x018;
/// Flag register: transmit FIFO empty, receive FIFO empty (never busy, never full).
const FR_IDLE: u32 = (1 << 7) | (1 << 4);
/// PL011 peripheral and PrimeCell identification (offsets 0xFE0..0xFFC), as a driver probes.
const IDENTIFICATION: [u32; 8] = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/// One VM's virtual UART.
#[derive(Default)]
pub struct VirtualUart {
    line: Vec<u8>,
    /// Lines printed so far.
    pub lines: usize,
}

impl VirtualUart {
    /// The byte a register write at `offset` sends, if it is a data register write (control,
    /// baud rate and interrupt mask writes have nothing to emulate).
    pub fn written_byte(offset: usize, value: u32) -> Option<u8> {
        (offset == DR).then_some(value as u8)
    }

    /// Appends one byte of text; returns a completed line to print.
    pub fn push(&mut self, byte: u8) -> Option<Vec<u8>> {
        match byte {
            b'\r' => None,
            b'\n' => Some(self.take()),
            _ => {
                self.line.push(byte);
                (self.line.len() >= LINE_MAX).then(|| self.take())
            }
        }
    }

    /// The text written since the last line ended (when the VM goes).
    pub fn take(&mut self) -> Vec<u8> {
        self.lines += 1;
        core::mem::take(&mut self.line)
    }

    /// True when text without a line end is waiting.
    pub fn pending(&self) -> bool {
        !self.line.is_empty()
    }

    /// A register read at `offset`.
    pub fn read(&self, offset: usize) -> u32 {
        match offset {
            FR => FR_IDLE,
            0xfe0..=0xffc => IDENTIFICATION[(offset - 0xfe0) / 4],
            _ => 0,
        }
    }
}
