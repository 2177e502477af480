//! A kernel panic on the board: report it and end the run with a failure status.

#[cfg(not(feature = "monitor"))]
use crate::Board;
#[cfg(not(feature = "monitor"))]
use core::fmt::Write;

/// Exit status of a kernel panic.
const PANIC_STATUS: i32 = 102;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(not(feature = "monitor"))]
    let _ = writeln!(wells_board_common::Console::<Board>::new(), "wells panic: {info}");
    #[cfg(feature = "monitor")]
    crate::monitor::board::say(format_args!("wells panic: {info}"));
    crate::exit::exit(PANIC_STATUS)
}
