//! A panic prints its message and ends the calling thread with exit code -101.

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    crate::println!("panic: {}", info);
    crate::calls::exit(-101)
}
