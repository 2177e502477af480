//! Exception vectors (VBAR): every exception saves a full general-register frame and calls the
//! trap handler the board registered.
//!
//! System calls, interrupts and faults of USR code are handled in SVC mode on the current
//! thread's kernel stack (`srsdb` moves the return state there), so the handler may switch
//! threads. Aborts and undefined instructions of the kernel itself are handled on their own
//! mode's stack (an emergency stack), so a kernel stack overflow into its guard page is
//! reported instead of faulting again on the frame push; those never return.

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Registers saved on every exception, in the order the vector code stores them.
#[repr(C)]
#[derive(Debug, Clone)]
pub struct TrapFrame {
    /// r0 .. r12.
    pub r: [u32; 13],
    /// USR mode's stack pointer and link register.
    pub sp_usr: u32,
    pub lr_usr: u32,
    /// SVC mode's stack pointer and link register when the exception came.
    pub sp_svc: u32,
    pub lr_svc: u32,
    _pad: u32,
    /// Where the exception returns to (the faulting instruction for aborts; the next
    /// instruction for SVC and undefined instructions).
    pub pc: u32,
    /// Saved program status (SPSR) of the interrupted code.
    pub cpsr: u32,
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 80);

/// What kind of exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapKind {
    Undefined,
    Svc,
    PrefetchAbort,
    DataAbort,
    Irq,
    Fiq,
}

impl TrapKind {
    fn from_index(index: u32) -> TrapKind {
        match index {
            0 => TrapKind::Undefined,
            1 => TrapKind::Svc,
            2 => TrapKind::PrefetchAbort,
            3 => TrapKind::DataAbort,
            5 => TrapKind::Irq,
            _ => TrapKind::Fiq,
        }
    }
}

impl TrapFrame {
    /// True when the exception came from USR mode (a user task).
    pub fn from_user(&self) -> bool {
        self.cpsr & 0x1f == super::mode::USR
    }

    /// True when the interrupted code ran T32 instructions.
    pub fn thumb(&self) -> bool {
        self.cpsr & (1 << 5) != 0
    }

    /// Address of the instruction that caused a synchronous exception.
    pub fn faulting_pc(&self, kind: TrapKind) -> u32 {
        match kind {
            TrapKind::Undefined | TrapKind::Svc => self.pc.wrapping_sub(if self.thumb() { 2 } else { 4 }),
            _ => self.pc,
        }
    }
}

/// The fault status and address registers (meaningful inside an abort).
#[derive(Debug, Clone, Copy)]
pub struct FaultStatus {
    pub dfsr: u32,
    pub dfar: u32,
    pub ifsr: u32,
    pub ifar: u32,
}

impl FaultStatus {
    /// Reads DFSR, DFAR, IFSR and IFAR.
    pub fn read() -> FaultStatus {
        let (dfsr, dfar, ifsr, ifar): (u32, u32, u32, u32);
        // SAFETY: reads four fault registers.
        unsafe {
            asm!(
                "mrc p15, 0, {0}, c5, c0, 0",
                "mrc p15, 0, {1}, c6, c0, 0",
                "mrc p15, 0, {2}, c5, c0, 1",
                "mrc p15, 0, {3}, c6, c0, 2",
                out(reg) dfsr, out(reg) dfar, out(reg) ifsr, out(reg) ifar,
                options(nomem, nostack)
            )
        };
        FaultStatus { dfsr, dfar, ifsr, ifar }
    }

    /// The status (short-descriptor FS field) and fault address of an abort of `kind`.
    pub fn of(&self, kind: TrapKind) -> (u32, u32) {
        match kind {
            TrapKind::DataAbort => (self.dfsr, self.dfar),
            _ => (self.ifsr, self.ifar),
        }
    }

    /// The fault status field of a short-descriptor FSR (bits 10 and 3:0).
    pub fn fs(fsr: u32) -> u32 {
        ((fsr >> 6) & 0x10) | (fsr & 0xf)
    }

    /// The status of an abort in words.
    pub fn describe(fsr: u32) -> &'static str {
        match Self::fs(fsr) {
            0x01 => "alignment fault",
            0x02 => "debug event",
            0x03 | 0x06 => "access flag fault",
            0x04 => "instruction cache maintenance fault",
            0x05 => "translation fault (section)",
            0x07 => "translation fault (page)",
            0x08 => "synchronous external abort",
            0x09 | 0x0b => "domain fault",
            0x0c | 0x0e => "external abort on translation table walk",
            0x0d => "permission fault (section)",
            0x0f => "permission fault (page)",
            0x16 => "asynchronous external abort",
            _ => "other fault",
        }
    }

    /// True for a data abort caused by a write.
    pub fn write(dfsr: u32) -> bool {
        dfsr & (1 << 11) != 0
    }
}

/// A board's trap handler: called for every exception with its frame.
pub type TrapHandler = fn(&mut TrapFrame, TrapKind);

static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Installs the vector table on this CPU (VBAR, SCTLR.V clear) and routes every exception to
/// `handler`.
pub fn set_trap_handler(handler: TrapHandler) {
    HANDLER.store(handler as usize, Ordering::Release);
    // SAFETY: the table is 32-byte aligned code that saves and restores the full frame.
    unsafe {
        asm!(
            "ldr {0}, =wells_arm_vectors",
            "mcr p15, 0, {0}, c12, c0, 0",
            "mrc p15, 0, {0}, c1, c0, 0",
            "bic {0}, {0}, #(1 << 13)",
            "mcr p15, 0, {0}, c1, c0, 0",
            "isb",
            out(reg) _,
            options(nostack)
        )
    };
}

/// The registers a fast call sees and answers in: r0 to r3, the arguments and the results,
/// saved on entry and loaded back on return. r4-r11 stay in the CPU (the handler keeps them, as
/// the AAPCS asks), r12 is saved around it; the rest of the task's state is not saved on this
/// path, so a fast call must not block, switch or stop its thread.
pub type FastCallRegisters = [u32; 4];

/// A board's fast-call handler ([`set_fast_call_handler`]): handles system call `number` (r7)
/// with `registers` and returns true, or returns false, leaving them as they came, for the full
/// trap path.
pub type FastCallHandler = extern "C" fn(&mut FastCallRegisters, number: u32) -> bool;

/// The handler the SVC vector calls for a call in the mask (set before the mask, so never 0
/// then).
#[no_mangle]
static WELLS_ARM_FAST_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Bit n set: system call n (r7) from USR may be fast (the SVC vector tests it before saving
/// anything more).
#[no_mangle]
static WELLS_ARM_FAST_CALLS: AtomicU32 = AtomicU32::new(0);

/// Routes the system calls `calls` (bit n: call n; calls from 32 on never) from USR to
/// `handler` first, with interrupts masked and only r0-r3 and r12 saved: a call it answers
/// returns at once, any other (and every call not in `calls`) takes the full trap path
/// (`set_trap_handler`). Calls from 32 up are cut from the mask: the vector tests r7 < 32.
pub fn set_fast_call_handler(handler: FastCallHandler, calls: u64) {
    // The vector calls it directly, by the C ABI: r0 = the registers, r1 = the number.
    WELLS_ARM_FAST_HANDLER.store(handler as usize, Ordering::Release);
    WELLS_ARM_FAST_CALLS.store(calls as u32, Ordering::Release);
}

#[no_mangle]
extern "C" fn wells_arm_trap(frame: &mut TrapFrame, index: u32) {
    let handler = HANDLER.load(Ordering::Acquire);
    if handler == 0 {
        loop {
            super::wait_for_interrupt();
        }
    }
    // SAFETY: only `set_trap_handler` stores here, always a `TrapHandler`.
    let handler: TrapHandler = unsafe { core::mem::transmute::<usize, TrapHandler>(handler) };
    handler(frame, TrapKind::from_index(index));
}

/// A fault vector: from USR it moves to the SVC stack of the current thread; from the kernel
/// it stays on its own mode's stack.
macro_rules! fault_entry {
    ($label:literal, $adjust:literal, $index:literal, $mode:literal) => {
        concat!(
            $label, ":\n",
            "    sub lr, lr, #", $adjust, "\n",
            "    str r0, [sp, #-4]\n",
            "    mrs r0, spsr\n",
            "    and r0, r0, #0x1f\n",
            "    cmp r0, #0x10\n",
            "    ldr r0, [sp, #-4]\n",
            "    bne 1f\n",
            "    srsdb sp!, #0x13\n",
            "    cps #0x13\n",
            "    sub sp, sp, #72\n",
            "    stmia sp, {{r0-r12}}\n",
            "    mov r1, #", $index, "\n",
            "    b wells_arm_trap_svc\n",
            "1:  srsdb sp!, #", $mode, "\n",
            "    sub sp, sp, #72\n",
            "    stmia sp, {{r0-r12}}\n",
            "    mov r1, #", $index, "\n",
            "    b wells_arm_trap_kernel\n",
        )
    };
}

global_asm!(
    ".section .text.wells_arm_vectors",
    ".arm",
    ".balign 32",
    ".global wells_arm_vectors",
    "wells_arm_vectors:",
    "    b .",                          // reset (not used: QEMU starts at the ELF entry)
    "    b wells_arm_undefined",
    "    b wells_arm_svc",
    "    b wells_arm_prefetch_abort",
    "    b wells_arm_data_abort",
    "    b .",                          // HYP trap: only in HYP's own table
    "    b wells_arm_irq",
    "    b wells_arm_fiq",
    "",
    // A system call from USR whose number (r7) is in the fast-call mask is offered to the
    // board's fast handler with only r0-r3 and r12 saved (at their places in the frame); one
    // it answers returns from here. Everything else completes the frame and takes the full path.
    "wells_arm_svc:",
    "    srsdb sp!, #0x13",
    "    sub sp, sp, #72",
    "    stmia sp, {{r0-r3}}",
    "    str r12, [sp, #48]",
    "    cmp r7, #31",
    "    bhi 9f",
    "    movw r0, #:lower16:WELLS_ARM_FAST_CALLS",
    "    movt r0, #:upper16:WELLS_ARM_FAST_CALLS",
    "    ldr r0, [r0]",
    "    lsr r0, r0, r7",
    "    tst r0, #1",
    "    beq 9f",
    "    mrs r0, spsr",
    "    and r0, r0, #0x1f",
    "    cmp r0, #0x10",
    "    bne 9f",
    "    movw r2, #:lower16:WELLS_ARM_FAST_HANDLER",
    "    movt r2, #:upper16:WELLS_ARM_FAST_HANDLER",
    "    ldr r2, [r2]",
    "    mov r0, sp",
    "    mov r1, r7",
    // The AAPCS wants sp 8-aligned at the call; the old sp is kept on the stack.
    "    mov r12, sp",
    "    bic sp, sp, #7",
    "    push {{r12, lr}}",
    "    blx r2",
    "    ldr sp, [sp]",
    "    cmp r0, #0",
    "    beq 8f",
    "    ldmia sp, {{r0-r3}}",
    "    ldr r12, [sp, #48]",
    "    add sp, sp, #72",
    "    rfeia sp!",
    // Not answered: r4-r11 are as they came (the handler kept them), r0-r3 and r12 are in the
    // frame, lr_svc was the return address (`srsdb` stored it at sp + 72).
    "8:  add r0, sp, #16",
    "    stmia r0, {{r4-r11}}",
    "    ldr lr, [sp, #72]",
    "    mov r1, #1",
    "    b wells_arm_trap_svc",
    "9:  ldr r0, [sp]",
    "    stmia sp, {{r0-r12}}",
    "    mov r1, #1",
    "    b wells_arm_trap_svc",
    "",
    "wells_arm_irq:",
    "    sub lr, lr, #4",
    "    srsdb sp!, #0x13",
    "    cps #0x13",
    "    sub sp, sp, #72",
    "    stmia sp, {{r0-r12}}",
    "    mov r1, #5",
    "    b wells_arm_trap_svc",
    "",
    "wells_arm_fiq:",
    "    sub lr, lr, #4",
    "    srsdb sp!, #0x11",
    "    sub sp, sp, #72",
    "    stmia sp, {{r0-r12}}",
    "    mov r1, #6",
    "    b wells_arm_trap_kernel",
    "",
    fault_entry!("wells_arm_undefined", "0", "0", "0x1b"),
    fault_entry!("wells_arm_prefetch_abort", "4", "2", "0x17"),
    fault_entry!("wells_arm_data_abort", "8", "3", "0x17"),
    "",
    // In SVC mode; r0-r12 at sp, the return state (pc, cpsr) at sp + 72; r1 = vector index.
    "wells_arm_trap_svc:",
    "    add r0, sp, #52",
    "    stmia r0, {{sp, lr}}^",
    "    nop",
    "    add r2, sp, #80",
    "    str r2, [sp, #60]",
    "    str lr, [sp, #64]",
    "    mov r0, sp",
    "    mov r4, sp",
    "    bic sp, sp, #7",
    "    bl wells_arm_trap",
    "    mov sp, r4",
    "    ldr lr, [sp, #64]",
    "    add r0, sp, #52",
    "    ldmia r0, {{sp, lr}}^",
    "    nop",
    "    ldmia sp, {{r0-r12}}",
    "    add sp, sp, #72",
    "    rfeia sp!",
    "",
    // In ABT/UND/FIQ mode on its own stack, for a fault of the kernel: never returns.
    "wells_arm_trap_kernel:",
    "    add r0, sp, #52",
    "    stmia r0, {{sp, lr}}^",
    "    nop",
    "    mrs r3, cpsr",
    "    cps #0x13",
    "    mov r5, sp",
    "    mov r6, lr",
    "    msr cpsr_c, r3",
    "    str r5, [sp, #60]",
    "    str r6, [sp, #64]",
    "    mov r0, sp",
    "    bic sp, sp, #7",
    "    bl wells_arm_trap",
    "2:  wfi",
    "    b 2b",
);
