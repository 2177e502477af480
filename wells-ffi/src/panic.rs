//! What happens when wells finds a bug in itself: say so on the host console, then hand over
//! to the host's panic callback (which must not return), or stop here.

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut message = crate::instance::MessageBuffer::default();
    let _ = write!(message, "wells panic: {}", info.message());
    if let Some(location) = info.location() {
        let _ = write!(message, " at {}:{}", location.file(), location.line());
    }
    crate::instance::report_panic(message.as_bytes());
    loop {
        core::hint::spin_loop();
    }
}

/// The prebuilt `alloc` library carries unwind tables that name this symbol. wells is built
/// with `panic = "abort"`, so nothing ever unwinds and it is never called.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn rust_eh_personality() {}
