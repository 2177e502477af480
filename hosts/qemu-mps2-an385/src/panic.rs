//! A kernel panic on the board: report it and end the run with a failure status.

use crate::board::Console;
use core::fmt::Write;

/// Exit status of a kernel panic.
const PANIC_STATUS: i32 = 102;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(Console, "wells panic: {info}");
    crate::semihosting::exit(PANIC_STATUS)
}
