//! A kernel panic on the board: report it and end the run with a failure status.

use crate::Board;
use core::fmt::Write;

/// Exit status of a kernel panic.
const PANIC_STATUS: i32 = 102;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(wells_board_common::Console::<Board>::new(), "wells panic: {info}");
    crate::board::exit(PANIC_STATUS)
}
