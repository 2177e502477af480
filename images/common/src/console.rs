//! The board console as a `fmt::Write`, and `println!` onto it.

use crate::Platform;
use core::fmt::Write;
use core::marker::PhantomData;
use wells_core::Arch;

/// The console of board `P`; each write goes out whole (interrupts masked meanwhile).
pub struct Console<P>(PhantomData<P>);

impl<P> Console<P> {
    pub const fn new() -> Self {
        Console(PhantomData)
    }
}

impl<P> Default for Console<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Platform> Write for Console<P> {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let were_enabled = P::cpu().irq_save();
        P::console_write(text.as_bytes());
        P::cpu().irq_restore(were_enabled);
        Ok(())
    }
}

/// Prints a line to the console of board type `$board`: `println!(B, "ok - {name}")`.
#[macro_export]
macro_rules! println {
    ($board:ty, $($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::Console::<$board>::new(), $($arg)*);
    }};
}
