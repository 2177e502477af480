//! The call interface of a Cortex-M3 partition (the "AUX hypervisor" of docs/hypervisor.md,
//! "Cortex-M3 partitions"): what a partition, running unprivileged in its MPU regions, may ask
//! of the privileged kernel that hosts it. One instruction, `svc #0`, the call number in r12,
//! arguments in r0..r2, results in r0 (and r1). Both halves live here: the numbers the kernel
//! decodes, and the stubs a partition program calls.
//!
//! A partition never touches a device: time, its virtual timer tick and its console are calls.

use core::arch::{asm, global_asm};

/// Writes bytes to the console (r0 address, r1 length ≤ [`CONSOLE_MAX`]); the kernel prints
/// whole lines prefixed `[name] `. r0 = 0, or [`BAD_BUFFER`] when the bytes are not all
/// readable by the partition (its RAM, or the shared code in flash), or too many.
pub const CONSOLE_WRITE: u32 = 0;
/// Microseconds since boot: low word r0, high word r1.
pub const TIME_US: u32 = 1;
/// Waits for the next virtual interrupt: returns (r0 = 0) after its handler has run.
pub const WAIT: u32 = 2;
/// Gives up the rest of the window; returns (r0 = 0) in the partition's next window.
pub const YIELD: u32 = 3;
/// Ends the partition with status r0; its windows stay its own (idle).
pub const EXIT: u32 = 4;
/// Sets the virtual interrupt handler: r0 its address (Thumb, in the shared code), r1 a word
/// handed to it. r0 = 0, or [`BAD_ADDRESS`].
pub const VIRQ_HANDLER: u32 = 5;
/// Ends a virtual interrupt handler (made by the return of the handler, see [`virq_trampoline`]).
pub const VIRQ_RETURN: u32 = 6;
/// Starts the virtual timer: a tick every r0 microseconds (at least [`TICK_MIN_US`]; 0 stops
/// it). r0 = 0, or [`BAD_ARGUMENT`].
pub const TICK_PERIOD: u32 = 7;

/// The virtual interrupt of the virtual timer (handler's r0).
pub const VIRQ_TIMER: u32 = 0;
/// The most bytes of one console write.
pub const CONSOLE_MAX: usize = 256;
/// The shortest virtual timer period.
pub const TICK_MIN_US: u32 = 100;

/// A buffer the partition may not read.
pub const BAD_BUFFER: i32 = -1;
/// A handler address outside the shared code.
pub const BAD_ADDRESS: i32 = -2;
/// An argument out of range.
pub const BAD_ARGUMENT: i32 = -3;

/// A virtual interrupt handler: (interrupt number, how many occurred since the last delivery,
/// the word given with [`VIRQ_HANDLER`]). It runs on the partition's stack, below the interrupted
/// context, and returns normally.
pub type VirqHandler = extern "C" fn(u32, u32, usize);

/// A partition program's entry: (its argument, how many times it was restarted, its RAM's first
/// and past-the-end addresses) -> exit status. Returning is [`EXIT`].
pub type PartitionEntry = extern "C" fn(u32, u32, usize, usize) -> i32;

/// One call from unprivileged code.
#[inline(always)]
pub fn call(number: u32, a0: usize, a1: usize, a2: usize) -> (usize, usize) {
    let (r0, r1): (usize, usize);
    // SAFETY: `svc #0` from a partition is a call to the hosting kernel, which writes only r0 and
    // r1 of the caller (and, for a delivered virtual interrupt, runs the handler first on the
    // caller's stack below its frame, restoring everything after).
    unsafe {
        asm!("svc #0", inout("r0") a0 => r0, inout("r1") a1 => r1, inout("r2") a2 => _, out("r3") _, inout("r12") number => _, options(nostack))
    };
    (r0, r1)
}

/// [`CONSOLE_WRITE`].
pub fn console_write(bytes: &[u8]) -> i32 {
    call(CONSOLE_WRITE, bytes.as_ptr() as usize, bytes.len(), 0).0 as i32
}

/// [`TIME_US`].
pub fn time_us() -> u64 {
    let (lo, hi) = call(TIME_US, 0, 0, 0);
    ((hi as u64) << 32) | lo as u64
}

/// [`WAIT`].
pub fn wait() {
    call(WAIT, 0, 0, 0);
}

/// [`YIELD`].
pub fn yield_window() {
    call(YIELD, 0, 0, 0);
}

/// [`EXIT`].
pub fn exit(status: i32) -> ! {
    call(EXIT, status as usize, 0, 0);
    // The kernel never returns from EXIT.
    loop {
        core::hint::spin_loop();
    }
}

/// [`VIRQ_HANDLER`].
pub fn set_virq_handler(handler: VirqHandler, word: usize) -> i32 {
    call(VIRQ_HANDLER, handler as usize, word, 0).0 as i32
}

/// [`TICK_PERIOD`].
pub fn set_tick_period(us: u32) -> i32 {
    call(TICK_PERIOD, us as usize, 0, 0).0 as i32
}

/// Where a partition's entry returns to: [`EXIT`] with its result (r0).
pub fn exit_trampoline() -> usize {
    wells_armv7m_partition_exit as *const () as usize
}

/// Where a virtual interrupt handler returns to: [`VIRQ_RETURN`].
pub fn virq_trampoline() -> usize {
    wells_armv7m_partition_virq_exit as *const () as usize
}

extern "C" {
    fn wells_armv7m_partition_exit() -> !;
    fn wells_armv7m_partition_virq_exit() -> !;
}

global_asm!(
    ".syntax unified",
    ".section .text.wells_armv7m_partition,\"ax\",%progbits",
    ".global wells_armv7m_partition_exit",
    ".thumb_func",
    "wells_armv7m_partition_exit:",
    "    mov r12, #{exit}",
    "    svc #0",
    "    udf #3",
    ".global wells_armv7m_partition_virq_exit",
    ".thumb_func",
    "wells_armv7m_partition_virq_exit:",
    "    mov r12, #{virq_return}",
    "    svc #0",
    "    udf #4",
    exit = const EXIT,
    virq_return = const VIRQ_RETURN,
);
