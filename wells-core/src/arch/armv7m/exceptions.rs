//! Exception shims: the handler-mode half of every way into the kernel.
//!
//! - **SVC from a task**, **PendSV**, and a **fault of a task** (MemManage, BusFault,
//!   UsageFault, HardFault taken from unprivileged thread mode): the shim pushes a [`TrapFrame`]
//!   (r4-r11, where the hardware frame is, CONTROL, the exception number) on the thread's kernel
//!   stack, then a fake exception frame that returns into privileged thread mode at
//!   `wells_armv7m_trap_entry` with BASEPRI masking the kernel's interrupts. That calls the
//!   board's trap handler, and `svc #0xff` comes back here to return to the interrupted context.
//!   A task's kernel stack is where its thread last entered user mode (`enter_user` or a trap
//!   return), kept in `wells_armv7m_user_ksp`; a kernel thread's is simply its PSP.
//! - **SVC from the kernel**: `svc #0xfe` enters user mode, `svc #0xff` ends a trap.
//! - **A fault of the kernel** (from handler mode, or privileged thread mode): the board's fault
//!   handler gets a [`FaultReport`] in handler mode on MSP, and does not return.

use core::arch::global_asm;
use core::sync::atomic::{AtomicUsize, Ordering};

/// What the hardware pushes on exception entry.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ExceptionFrame {
    pub r0: u32,
    pub r1: u32,
    pub r2: u32,
    pub r3: u32,
    pub r12: u32,
    pub lr: u32,
    pub pc: u32,
    pub xpsr: u32,
}

/// What the shim saves on the kernel stack for one trap.
#[repr(C)]
#[derive(Debug)]
pub struct TrapFrame {
    /// Exception number: 11 SVCall, 14 PendSV, 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault.
    pub exception: u32,
    /// Where the hardware frame ([`ExceptionFrame`]) of the interrupted context is.
    pub psp: u32,
    /// CONTROL of the interrupted context (bit 0: unprivileged).
    pub control: u32,
    /// EXC_RETURN of the exception.
    pub exc_return: u32,
    /// r4-r11 of the interrupted context (restored from here on return).
    pub r4_r11: [u32; 8],
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 48);

pub const SVCALL: u32 = 11;
pub const PENDSV: u32 = 14;
pub const HARDFAULT: u32 = 3;
pub const MEMMANAGE: u32 = 4;
pub const BUSFAULT: u32 = 5;
pub const USAGEFAULT: u32 = 6;

impl TrapFrame {
    /// True when the trap came from a task (unprivileged thread mode).
    pub fn from_user(&self) -> bool {
        self.control & 1 != 0
    }

    /// The interrupted context's hardware frame.
    ///
    /// # Safety
    /// Only when the hardware stacked it: not after a stacking fault (CFSR MSTKERR/STKERR).
    pub unsafe fn stacked(&mut self) -> &mut ExceptionFrame {
        // SAFETY: per the contract, `psp` is the 8-word frame the CPU pushed on entry; the kernel
        // runs privileged and may write it.
        unsafe { &mut *(self.psp as *mut ExceptionFrame) }
    }

    /// Register r4..r11 of the interrupted context (`n` in 4..=11).
    pub fn high(&self, n: usize) -> u32 {
        self.r4_r11[n - 4]
    }
}

/// A fault of the kernel itself, for the report.
#[derive(Debug, Clone, Copy)]
pub struct FaultReport {
    pub exception: u32,
    /// The stacked frame, unless stacking itself failed.
    pub frame: Option<ExceptionFrame>,
    pub exc_return: u32,
    pub cfsr: u32,
    pub hfsr: u32,
    pub mmfar: u32,
    pub bfar: u32,
}

/// The board's trap handler: runs in privileged thread mode with interrupts masked.
pub type TrapHandler = fn(&mut TrapFrame);
/// The board's kernel-fault handler: runs in handler mode and does not return.
pub type FaultHandler = fn(&FaultReport) -> !;

static HANDLER: AtomicUsize = AtomicUsize::new(0);
static FAULT_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Routes every trap into the kernel to `handler`.
pub fn set_trap_handler(handler: TrapHandler) {
    HANDLER.store(handler as usize, Ordering::Release);
}

/// Routes kernel faults to `handler`.
pub fn set_fault_handler(handler: FaultHandler) {
    FAULT_HANDLER.store(handler as usize, Ordering::Release);
}

#[no_mangle]
extern "C" fn wells_armv7m_trap(frame: &mut TrapFrame) {
    let handler = HANDLER.load(Ordering::Acquire);
    if handler == 0 {
        loop {
            super::wait_for_interrupt();
        }
    }
    // SAFETY: only `set_trap_handler` stores here, always a `TrapHandler`.
    let handler: TrapHandler = unsafe { core::mem::transmute::<usize, TrapHandler>(handler) };
    handler(frame);
}

#[no_mangle]
extern "C" fn wells_armv7m_kernel_fault(exception: u32, frame: *const ExceptionFrame, exc_return: u32) -> ! {
    use super::scb;
    let cfsr = scb::read(scb::CFSR);
    // MSTKERR (bit 4) / STKERR (bit 12): the frame was not pushed.
    let stacked = cfsr & ((1 << 4) | (1 << 12)) == 0;
    let report = FaultReport {
        exception,
        // SAFETY: the CPU pushed this frame on entry (checked above) on a stack it could write.
        frame: stacked.then(|| unsafe { *frame }),
        exc_return,
        cfsr,
        hfsr: scb::read(scb::HFSR),
        mmfar: scb::read(scb::MMFAR),
        bfar: scb::read(scb::BFAR),
    };
    let handler = FAULT_HANDLER.load(Ordering::Acquire);
    if handler != 0 {
        // SAFETY: only `set_fault_handler` stores here, always a `FaultHandler`.
        let handler: FaultHandler = unsafe { core::mem::transmute::<usize, FaultHandler>(handler) };
        handler(&report);
    }
    loop {
        super::wait_for_interrupt();
    }
}

/// The kernel stack of the thread now in user mode (see the module comment).
#[no_mangle]
static mut wells_armv7m_user_ksp: u32 = 0;

/// The stack a kernel fault is reported on (the kernel's own may be what overflowed). A board's
/// handler that formats its report (core::fmt) needs about 1 KiB (feature `fault-stack-1k`, on
/// by default); the Cortex-M3 minimal configuration's writes a number and used 160 of 256
/// bytes when its kernel panicked on purpose, so it gets 512.
const FAULT_STACK_BYTES: usize = if cfg!(feature = "fault-stack-1k") { 1024 } else { 512 };

global_asm!(
    ".syntax unified",
    ".section .text.wells_armv7m_exceptions,\"ax\",%progbits",
    // ---- enter the kernel: r0 = exception number, lr = EXC_RETURN (thread mode, PSP) ----
    ".thumb_func",
    "wells_armv7m_enter_kernel:",
    "    mrs r1, psp",
    "    mrs r2, control",
    "    mov r3, r1",             // a kernel thread: build below its own frame
    "    tst r2, #1",
    "    beq 1f",
    "    ldr r3, =wells_armv7m_user_ksp",
    "    ldr r3, [r3]",
    "1:",
    "    stmdb r3!, {{r4-r11}}",
    "    stmdb r3!, {{r0, r1, r2, lr}}",
    "    mov r12, r3",            // the TrapFrame
    "    sub r3, r3, #32",        // fake exception frame below it
    "    str r12, [r3, #0]",      // r0 = &TrapFrame
    "    ldr r2, =wells_armv7m_trap_entry",
    "    bic r2, r2, #1",
    "    str r2, [r3, #24]",      // pc
    "    mov r2, #0x01000000",
    "    str r2, [r3, #28]",      // xPSR: Thumb
    "    msr psp, r3",
    "    mrs r2, control",
    "    bic r2, r2, #1",         // privileged thread mode
    "    msr control, r2",
    "    movs r2, #{mask}",
    "    msr basepri, r2",
    "    isb",
    "    mvn lr, #2",             // EXC_RETURN 0xfffffffd: thread mode, PSP
    "    bx lr",
    "",
    // ---- privileged thread mode: call the board, then end the trap ----
    ".thumb_func",
    "wells_armv7m_trap_entry:",
    "    mov r4, r0",
    "    bl wells_armv7m_trap",
    "    mov r0, r4",
    "    svc #0xff",
    "    udf #1",
    "",
    // ---- SVCall ----
    ".global wells_armv7m_svcall",
    ".thumb_func",
    "wells_armv7m_svcall:",
    "    tst lr, #4",
    "    beq 8f",                 // SVC in handler mode: a kernel bug
    "    mrs r1, control",
    "    tst r1, #1",
    "    beq 2f",
    "    movs r0, #11",           // from a task: a system call
    "    b wells_armv7m_enter_kernel",
    "2:  mrs r1, psp",
    "    ldr r2, [r1, #24]",      // stacked pc, just after the svc
    "    ldrb r2, [r2, #-2]",     // its immediate
    "    cmp r2, #0xff",
    "    beq 3f",
    "    cmp r2, #0xfe",
    "    beq 4f",
    "    b 8f",
    // svc #0xff: return from a trap; r0 (stacked) = &TrapFrame.
    "3:  ldr r0, [r1, #0]",
    "    ldr r2, [r0, #4]",       // psp of the interrupted context
    "    ldr r3, [r0, #8]",       // its CONTROL
    "    add r12, r0, #16",
    "    ldmia r12, {{r4-r11}}",
    "    msr psp, r2",
    "    msr control, r3",
    "    tst r3, #1",
    "    beq 5f",
    "    add r0, r0, #48",        // back to a task: this is its thread's kernel stack
    "    ldr r1, =wells_armv7m_user_ksp",
    "    str r0, [r1]",
    "5:  movs r0, #0",
    "    msr basepri, r0",
    "    isb",
    "    mvn lr, #2",
    "    bx lr",
    // svc #0xfe: enter user mode; stacked r0 = pc, r1 = sp, r2 = arg.
    "4:  ldr r0, =wells_armv7m_user_ksp",
    "    str r1, [r0]",           // the kernel stack from here down is free for traps
    "    ldr r0, [r1, #0]",       // pc
    "    ldr r2, [r1, #8]",       // arg
    "    ldr r3, [r1, #4]",       // user sp
    "    bic r3, r3, #7",
    "    sub r3, r3, #32",
    "    str r2, [r3, #0]",       // r0 = arg
    "    movs r2, #0",
    "    str r2, [r3, #4]",
    "    str r2, [r3, #8]",
    "    str r2, [r3, #12]",
    "    str r2, [r3, #16]",
    "    str r2, [r3, #20]",      // lr = 0
    "    bic r0, r0, #1",
    "    str r0, [r3, #24]",      // pc
    "    mov r0, #0x01000000",
    "    str r0, [r3, #28]",      // xPSR: Thumb
    "    msr psp, r3",
    "    movs r4, #0", "movs r5, #0", "movs r6, #0", "movs r7, #0",
    "    mov r8, r4", "mov r9, r4", "mov r10, r4", "mov r11, r4",
    "    mrs r0, control",
    "    orr r0, r0, #1",         // unprivileged
    "    msr control, r0",
    "    movs r0, #0",
    "    msr basepri, r0",
    "    isb",
    "    mvn lr, #2",
    "    bx lr",
    "8:  movs r0, #11",
    "    b 9f",
    "",
    // ---- PendSV: always from thread mode (lowest priority) ----
    ".global wells_armv7m_pendsv",
    ".thumb_func",
    "wells_armv7m_pendsv:",
    "    movs r0, #14",
    "    b wells_armv7m_enter_kernel",
    "",
    // ---- faults: a task's is contained, the kernel's is reported ----
    ".global wells_armv7m_fault",
    ".thumb_func",
    "wells_armv7m_fault:",
    "    mrs r0, ipsr",
    "    tst lr, #4",
    "    beq 9f",                 // on MSP: handler mode (or boot before PSP)
    "    mrs r1, control",
    "    tst r1, #1",
    "    beq 9f",                 // privileged thread mode: the kernel
    "    b wells_armv7m_enter_kernel",
    // kernel fault: r0 = exception number
    "9:  tst lr, #4",
    "    ite eq",
    "    mrseq r1, msp",
    "    mrsne r1, psp",
    "    mov r2, lr",
    "    ldr r3, =wells_armv7m_fault_stack_top",
    "    mov sp, r3",
    "    bl wells_armv7m_kernel_fault",
    "    udf #2",
    ".ltorg",
    ".section .bss.wells_armv7m_fault_stack,\"aw\",%nobits",
    ".balign 8",
    "    .space {fault_stack}",
    "wells_armv7m_fault_stack_top:",
    mask = const super::MASK_PRIORITY,
    fault_stack = const FAULT_STACK_BYTES,
);
