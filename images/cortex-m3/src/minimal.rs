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

/// Bytes never written at the bottom of the handler stack and of the boot stack. QEMU starts
/// with RAM zeroed and nothing clears these stacks, so the zero words below the deepest use
/// are the headroom (a word of zeros pushed at the very edge would count as unused: the check's
/// margin covers it).
pub fn stack_headroom() -> [usize; 2] {
    extern "C" {
        static __handler_stack_bottom: u8;
        static __handler_stack_top: u8;
        static __boot_stack_bottom: u8;
        static __boot_stack_top: u8;
    }
    // Linker-script symbols: only their addresses are taken here.
    let spans = [
        (core::ptr::addr_of!(__handler_stack_bottom) as usize, core::ptr::addr_of!(__handler_stack_top) as usize),
        (core::ptr::addr_of!(__boot_stack_bottom) as usize, core::ptr::addr_of!(__boot_stack_top) as usize),
    ];
    spans.map(|(bottom, top)| {
        let mut at = bottom;
        // SAFETY: every word from the bottom of the span to its top is RAM of the image's
        // `.stacks` section, word-aligned; reading it races with nothing (only the stack's
        // owner writes it, and only above its stack pointer).
        while at < top && unsafe { core::ptr::read_volatile(at as *const u32) } == 0 {
            at += 4;
        }
        at - bottom
    })
}
