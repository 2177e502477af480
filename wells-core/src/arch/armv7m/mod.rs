//! ARMv7-M port (Cortex-M3): the kernel runs in privileged thread mode on each thread's own
//! stack (PSP), exceptions are short handler-mode shims on MSP that redirect into the kernel.
//!
//! Why not "kernel in handler mode": the core's model is that a context is a saved stack
//! pointer and `switch` is called from the code that wants to block or preempt, with its call
//! chain kept on its own stack. A handler-mode kernel has one stack (MSP) and cannot keep a
//! blocked system call's call chain. So every exception that needs the kernel (SVC from a task,
//! PendSV, a task's fault) builds a fake exception frame on the thread's kernel stack and
//! *returns* into privileged thread mode there (`exceptions.rs`); the kernel then works exactly
//! as on AArch64 (where EL1 runs on the thread's kernel stack) and `switch` is a plain swap of
//! PSP. The trap ends with `svc #0xff`, whose handler returns to the interrupted context by a
//! real exception return, which restores everything (IT/ICI state included).
//!
//! Interrupt mask: BASEPRI = 0x80 masks PendSV (0xe0) and every device interrupt at or below
//! 0x80; SVC (0) and faults stay enabled, so the kernel may `svc` with interrupts masked.
//! SysTick runs at 0x40, above the mask: it only counts time and pends PendSV, which is the one
//! asynchronous way into the kernel ("PendSV for switches": it runs only when returning to
//! thread mode, never nested in another handler).

pub mod exceptions;
pub mod mpu;
pub mod partition;
pub mod partition_cpu;
pub mod semihosting;
pub mod start;

use super::Arch;
use core::arch::{asm, global_asm};

pub use exceptions::{set_fault_handler, set_trap_handler, ExceptionFrame, FaultReport, TrapFrame};

/// A Cortex-M3 (ARMv7-M) CPU.
pub struct Armv7m;

/// BASEPRI value that masks the kernel's interrupts (PendSV and devices).
pub const MASK_PRIORITY: u8 = 0x80;
/// Priority of SysTick: above the mask, so time is never lost.
pub const SYSTICK_PRIORITY: u8 = 0x40;
/// Priority of PendSV: the lowest, so it only interrupts thread mode.
pub const PENDSV_PRIORITY: u8 = 0xe0;

/// Callee-saved registers pushed by `wells_armv7m_switch`: r4-r11, lr.
const SWITCH_FRAME: usize = 9 * 4;

impl Arch for Armv7m {
    const MIN_STACK: usize = 1024;

    fn irq_save(&self) -> bool {
        let old: u32;
        // SAFETY: reads BASEPRI and raises it to the kernel mask; a compiler barrier too.
        unsafe { asm!("mrs {0}, basepri", "msr basepri, {1}", out(reg) old, in(reg) MASK_PRIORITY as u32, options(nostack)) };
        old == 0
    }

    fn irq_restore(&self, were_enabled: bool) {
        if were_enabled {
            // SAFETY: lifts the mask `irq_save` raised.
            unsafe { asm!("msr basepri, {0}", in(reg) 0u32, options(nostack)) };
        }
    }

    fn cpu_id(&self) -> usize {
        0
    }

    fn init_stack(&self, stack: &mut [u8], entry: crate::arch::ThreadEntry, arg: usize) -> usize {
        let base = stack.as_ptr() as usize;
        let top = (base + stack.len()) & !7;
        let sp = top - SWITCH_FRAME;
        // Popped by the switch: r4 = entry, r5 = argument, pc = trampoline.
        let mut words = [0usize; SWITCH_FRAME / 4];
        words[0] = entry as usize;
        words[1] = arg;
        words[8] = wells_armv7m_thread_start as *const () as usize;
        for (i, word) in words.iter().enumerate() {
            let at = sp - base + i * 4;
            stack[at..at + 4].copy_from_slice(&word.to_ne_bytes());
        }
        sp
    }

    /// One CPU only: no token is passed (the result means nothing).
    #[inline(always)]
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, _token: usize) -> usize {
        // SAFETY: forwarded contract of `Arch::switch`.
        unsafe { wells_armv7m_switch(save_sp, next_sp) };
        0
    }

    /// `space` is the address of the domain's MPU region set (see [`mpu::RegionSet`]); 0 = the
    /// kernel's (no task regions).
    fn switch_space(&self, space: usize) {
        mpu::activate(space);
    }
}

extern "C" {
    fn wells_armv7m_switch(save_sp: *mut usize, next_sp: usize);
    fn wells_armv7m_thread_start() -> !;
}

global_asm!(
    ".syntax unified",
    ".section .text.wells_armv7m_switch,\"ax\",%progbits",
    ".global wells_armv7m_switch",
    ".thumb_func",
    "wells_armv7m_switch:",
    "    push {{r4-r11, lr}}",
    "    mov r2, sp",
    "    str r2, [r0]",
    "    mov sp, r1",
    "    pop {{r4-r11, pc}}",
    "",
    // First code of a new thread: r4 = entry, r5 = argument.
    ".global wells_armv7m_thread_start",
    ".thumb_func",
    "wells_armv7m_thread_start:",
    "    mov r0, r5",
    "    blx r4",
    "    udf #0",
);

/// Leaves the kernel for unprivileged thread mode: the current thread continues at `pc` with
/// stack `sp` and `arg` in r0, other registers zero, interrupts enabled. It comes back only
/// through exceptions (SVC, PendSV, faults), on the kernel stack it had here.
pub fn enter_user(pc: usize, sp: usize, arg: usize) -> ! {
    // SAFETY: the SVC handler builds the task's exception frame on `sp` and returns to it
    // unprivileged; it records this stack as the thread's kernel stack.
    unsafe { asm!("svc #0xfe", in("r0") pc, in("r1") sp, in("r2") arg, options(noreturn)) }
}

/// Waits for an interrupt.
pub fn wait_for_interrupt() {
    // SAFETY: only waits.
    unsafe { asm!("wfi", options(nomem, nostack)) };
}

/// Waits for an interrupt while the kernel's BASEPRI mask is up, and returns with it still up
/// and the interrupt not yet taken. BASEPRI would keep WFI asleep, PRIMASK does not: so the
/// wait swaps one for the other. Privileged only.
pub fn wait_for_interrupt_masked() {
    // SAFETY: PRIMASK holds every configurable interrupt off while BASEPRI is lifted, and both
    // are back (BASEPRI at the kernel mask, PRIMASK clear) before the function returns.
    unsafe {
        asm!(
            "cpsid i",
            "msr basepri, {zero}",
            "wfi",
            "msr basepri, {mask}",
            "cpsie i",
            zero = in(reg) 0u32,
            mask = in(reg) MASK_PRIORITY as u32,
            options(nostack),
        )
    };
}

/// True when the CPU runs privileged (thread mode with CONTROL.nPRIV clear, or handler mode).
pub fn privileged() -> bool {
    let (control, ipsr): (u32, u32);
    // SAFETY: reads two special registers.
    unsafe { asm!("mrs {0}, control", "mrs {1}, ipsr", out(reg) control, out(reg) ipsr, options(nomem, nostack)) };
    ipsr != 0 || control & 1 == 0
}

/// Moves thread mode from MSP to PSP at `psp` (the boot stack); MSP stays for handlers.
///
/// # Safety
/// Call once, in privileged thread mode on MSP, with `psp` the top of an unused stack: the
/// caller's frame stays on MSP and must not be returned to after handlers start using it.
#[inline(always)]
pub unsafe fn use_process_stack(psp: usize) {
    // SAFETY: per the contract; `isb` makes the new SPSEL effective before the next instruction.
    unsafe { asm!("msr psp, {0}", "msr control, {1}", "isb", in(reg) psp, in(reg) 2u32, options(nostack)) };
}

/// System control block registers this port and its boards use.
pub mod scb {
    pub const ICSR: usize = 0xe000_ed04;
    pub const VTOR: usize = 0xe000_ed08;
    pub const CCR: usize = 0xe000_ed14;
    pub const SHPR2: usize = 0xe000_ed1c;
    pub const SHPR3: usize = 0xe000_ed20;
    pub const SHCSR: usize = 0xe000_ed24;
    pub const CFSR: usize = 0xe000_ed28;
    pub const HFSR: usize = 0xe000_ed2c;
    pub const MMFAR: usize = 0xe000_ed34;
    pub const BFAR: usize = 0xe000_ed38;
    pub const ICSR_PENDSVSET: u32 = 1 << 28;
    pub const ICSR_PENDSTSET: u32 = 1 << 26;

    /// Reads a 32-bit system register.
    pub fn read(address: usize) -> u32 {
        // SAFETY: the addresses above are architectural SCB registers, always present.
        unsafe { core::ptr::read_volatile(address as *const u32) }
    }

    /// Writes a 32-bit system register.
    pub fn write(address: usize, value: u32) {
        // SAFETY: as for `read`; callers write values the architecture defines.
        unsafe { core::ptr::write_volatile(address as *mut u32, value) }
    }
}

/// Sets up the exception model: 8-byte stack alignment on entry, MemManage/BusFault/UsageFault
/// enabled (so they do not escalate), divide-by-zero trapping, and the priorities above.
pub fn init_exceptions() {
    // CCR: STKALIGN (9) | DIV_0_TRP (4).
    scb::write(scb::CCR, scb::read(scb::CCR) | (1 << 9) | (1 << 4));
    // SHPR2: SVCall priority (bits 31:24) = 0.
    scb::write(scb::SHPR2, 0);
    // SHPR3: SysTick (31:24), PendSV (23:16).
    scb::write(scb::SHPR3, ((SYSTICK_PRIORITY as u32) << 24) | ((PENDSV_PRIORITY as u32) << 16));
    // SHCSR: USGFAULTENA (18) | BUSFAULTENA (17) | MEMFAULTENA (16).
    scb::write(scb::SHCSR, scb::read(scb::SHCSR) | (7 << 16));
}

/// Pends PendSV: the kernel is entered once nothing of higher priority runs.
pub fn pend_kernel_entry() {
    scb::write(scb::ICSR, scb::ICSR_PENDSVSET);
}
