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

// The C memory functions the compiler calls, byte by byte: compiler_builtins' are weak
// definitions, word-wise and unrolled for speed (about 1.2 KiB here); these take about 100
// bytes, and the minimal configuration is measured for size. memcpy/memset return `dst` (r0,
// untouched); the `__aeabi_` forms are the Arm run-time ABI's (memset's arguments in another
// order, memclr without the byte), the 4- and 8-byte aligned ones served by the same code.
core::arch::global_asm!(
    ".section .text.wells_minimal_memory,\"ax\",%progbits",
    ".syntax unified",
    ".thumb",
    ".global memcpy, __aeabi_memcpy, __aeabi_memcpy4, __aeabi_memcpy8",
    ".type memcpy, %function",
    ".type __aeabi_memcpy, %function",
    ".type __aeabi_memcpy4, %function",
    ".type __aeabi_memcpy8, %function",
    "memcpy:",
    "__aeabi_memcpy:",
    "__aeabi_memcpy4:",
    "__aeabi_memcpy8:",
    "    mov r3, r0",
    "1:  cbz r2, 2f",
    "    ldrb r12, [r1], #1",
    "    strb r12, [r3], #1",
    "    subs r2, #1",
    "    b 1b",
    "2:  bx lr",
    // Overlapping regions: forwards when the destination is below the source, else from the end.
    ".global memmove, __aeabi_memmove, __aeabi_memmove4, __aeabi_memmove8",
    ".type memmove, %function",
    ".type __aeabi_memmove, %function",
    ".type __aeabi_memmove4, %function",
    ".type __aeabi_memmove8, %function",
    "memmove:",
    "__aeabi_memmove:",
    "__aeabi_memmove4:",
    "__aeabi_memmove8:",
    "    cmp r0, r1",
    "    bls memcpy",
    "    adds r3, r0, r2",
    "    adds r1, r1, r2",
    "1:  cbz r2, 2f",
    "    ldrb r12, [r1, #-1]!",
    "    strb r12, [r3, #-1]!",
    "    subs r2, #1",
    "    b 1b",
    "2:  bx lr",
    // memset(dst, byte, n); __aeabi_memset(dst, n, byte); __aeabi_memclr(dst, n).
    ".global memset, __aeabi_memset, __aeabi_memset4, __aeabi_memset8",
    ".global __aeabi_memclr, __aeabi_memclr4, __aeabi_memclr8",
    ".type memset, %function",
    ".type __aeabi_memset, %function",
    ".type __aeabi_memset4, %function",
    ".type __aeabi_memset8, %function",
    ".type __aeabi_memclr, %function",
    ".type __aeabi_memclr4, %function",
    ".type __aeabi_memclr8, %function",
    "__aeabi_memclr:",
    "__aeabi_memclr4:",
    "__aeabi_memclr8:",
    "    mov r2, r1",
    "    movs r1, #0",
    "    b memset",
    "__aeabi_memset:",
    "__aeabi_memset4:",
    "__aeabi_memset8:",
    "    mov r3, r1",
    "    mov r1, r2",
    "    mov r2, r3",
    "memset:",
    "    mov r3, r0",
    "1:  cbz r2, 2f",
    "    strb r1, [r3], #1",
    "    subs r2, #1",
    "    b 1b",
    "2:  bx lr",
);
