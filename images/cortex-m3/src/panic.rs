//! A kernel panic on the board: report it and end the run with a failure status.

#[cfg(not(feature = "minimal"))]
use core::fmt::Write;

/// Exit status of a kernel panic.
const PANIC_STATUS: i32 = 102;

#[cfg(not(feature = "minimal"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(wells_board_common::Console::<crate::Board>::new(), "wells panic: {info}");
    wells_core::arch::armv7m::semihosting::exit(PANIC_STATUS)
}

/// The minimal configuration formats nothing (core::fmt is several KiB): it names the place.
/// Its build (`cargo xtask bench --minimal`, the suite's boot) aborts at once on a panic (an
/// undefined instruction, so the kernel-fault handler reports it); this handler serves the
/// builds with the prebuilt `core` (clippy).
#[cfg(feature = "minimal")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let uart = &crate::board::UART;
    uart.write(b"wells panic at ");
    if let Some(place) = info.location() {
        uart.write(place.file().as_bytes());
        uart.write(b":");
        crate::minimal::write_decimal(place.line());
    }
    uart.write(b"\n");
    wells_core::arch::armv7m::semihosting::exit(PANIC_STATUS)
}
