//! `print!` / `println!`: format into a fixed buffer on the stack, write it with console_write.

use core::fmt::{self, Write};

use crate::calls::console_write;

/// Bytes formatted before a write to the console; a longer text takes several writes.
const BUFFER: usize = 256;

/// Writes all of `bytes` to the console (console_write may take fewer than it was given).
pub fn write_all(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match console_write(bytes) {
            Ok(n) if n > 0 && n <= bytes.len() => bytes = &bytes[n..],
            _ => return,
        }
    }
}

struct Buffer {
    bytes: [u8; BUFFER],
    len: usize,
}

impl Buffer {
    fn flush(&mut self) {
        write_all(&self.bytes[..self.len]);
        self.len = 0;
    }
}

impl Write for Buffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == BUFFER {
                self.flush();
            }
            self.bytes[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

/// What `print!` expands to: one console write per 256 bytes of text, so a short line from one
/// thread is not cut by another's.
#[doc(hidden)]
pub fn _print(args: fmt::Arguments<'_>) {
    let mut buffer = Buffer {
        bytes: [0; BUFFER],
        len: 0,
    };
    let _ = buffer.write_fmt(args);
    buffer.flush();
}

/// Prints to the console, like `std::print!`.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::_print(::core::format_args!($($arg)*))
    };
}

/// Prints a line to the console, like `std::println!`.
#[macro_export]
macro_rules! println {
    () => {
        $crate::_print(::core::format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::_print(::core::format_args!("{}\n", ::core::format_args!($($arg)*)))
    };
}
