//! A kernel panic on the board: report it and end the run with a failure status.

use core::fmt::Write;

/// Exit status of a kernel panic.
const PANIC_STATUS: i32 = 102;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(not(all(feature = "hypervisor", feature = "mps3-an536")))]
    let _ = writeln!(wells_board_common::Console::<crate::Board>::new(), "wells panic: {info}");
    // The R52 hypervisor has no kernel platform: its console directly.
    #[cfg(all(feature = "hypervisor", feature = "mps3-an536"))]
    let _ = writeln!(crate::partitions::board::Out, "wells panic: {info}");
    crate::board::exit(PANIC_STATUS)
}
