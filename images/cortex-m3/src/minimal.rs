//! The minimal configuration (feature `minimal`): kernel threads only. No user tasks, so no
//! system calls and no MPU map; no formatted printing. PendSV drives the kernel's timer; any
//! other trap is a fault of the kernel and ends the run.

use crate::board::UART;
use crate::Board;
use wells_board_common::Platform;
use wells_core::arch::armv7m::exceptions::PENDSV;
use wells_core::arch::armv7m::{FaultReport, TrapFrame};

/// Exit status when the kernel itself faults.
const KERNEL_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut TrapFrame) {
    if frame.exception == PENDSV {
        if let Some(kernel) = Board::slot().get() {
            kernel.timer_interrupt();
        }
        return;
    }
    // No task runs here: a fault or SVC in thread mode is the kernel's own.
    UART.write(b"wells: kernel fault, exception ");
    write_decimal(frame.exception);
    UART.write(b"\n");
    wells_core::arch::armv7m::semihosting::exit(KERNEL_FAULT_STATUS)
}

pub(crate) fn kernel_fault(report: &FaultReport) -> ! {
    UART.write(b"wells: kernel fault, exception ");
    write_decimal(report.exception);
    UART.write(b"\n");
    wells_core::arch::armv7m::semihosting::exit(KERNEL_FAULT_STATUS)
}

/// Writes `value` in decimal to the console, without core::fmt.
pub fn write_decimal(value: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut left = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (left % 10) as u8;
        left /= 10;
        if left == 0 {
            break;
        }
    }
    UART.write(&digits[at..]);
}

/// RAM the image reserves before the heap: .data, .bss and the boot and handler stacks.
pub fn static_ram() -> usize {
    extern "C" {
        static __data_start: u8;
        static __kernel_ram_end: u8;
    }
    // Linker-script symbols: only their addresses are taken, never their contents.
    core::ptr::addr_of!(__kernel_ram_end) as usize - core::ptr::addr_of!(__data_start) as usize
}

/// Writes `text` to the console.
pub fn write(text: &str) {
    UART.write(text.as_bytes());
}
