//! What happens when wells finds a bug in itself: say so on the host console, then hand over
//! to the host's panic callback (which must not return), or stop here.

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut message = MessageBuffer::default();
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

/// A fixed buffer to format a panic message without allocating.
#[cfg(not(test))]
struct MessageBuffer {
    bytes: [u8; 256],
    len: usize,
}

#[cfg(not(test))]
impl Default for MessageBuffer {
    fn default() -> Self {
        MessageBuffer { bytes: [0; 256], len: 0 }
    }
}

#[cfg(not(test))]
impl MessageBuffer {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(not(test))]
impl core::fmt::Write for MessageBuffer {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}
