//! HYP mode's exception vectors (HVBAR). HYP has one stack pointer and no banked link
//! register: every exception taken to HYP (a guest's traps, interrupts, HYP's own faults)
//! pushes a [`HypFrame`] on the current stack — a vCPU thread's stack while its guest runs —
//! and calls the trap handler the board registered, then returns with `eret`.

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Registers saved on every exception taken to HYP, in the order the vector code stores them.
#[repr(C)]
#[derive(Debug, Clone)]
pub struct HypFrame {
    /// Where the exception returns to (ELR_hyp).
    pub elr: u32,
    /// The interrupted code's status (SPSR_hyp).
    pub spsr: u32,
    /// r0 .. r12.
    pub r: [u32; 13],
    /// r14 as HYP sees it: USR mode's link register.
    pub lr_usr: u32,
}

const _: () = assert!(core::mem::size_of::<HypFrame>() == 64);

impl HypFrame {
    /// True when the exception came from HYP itself (the hypervisor), not from a guest.
    pub fn from_hyp(&self) -> bool {
        self.spsr & 0x1f == super::super::mode::HYP
    }
}

/// Which vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HypTrapKind {
    /// Undefined instruction in HYP.
    Undefined,
    /// HVC executed in HYP.
    HypervisorCall,
    /// Prefetch abort in HYP.
    PrefetchAbort,
    /// Data abort in HYP.
    DataAbort,
    /// A guest's synchronous exit: HVC, a trapped instruction, a stage-2 abort (HSR says).
    GuestTrap,
    Irq,
    Fiq,
}

impl HypTrapKind {
    fn from_index(index: u32) -> HypTrapKind {
        match index {
            1 => HypTrapKind::Undefined,
            2 => HypTrapKind::HypervisorCall,
            3 => HypTrapKind::PrefetchAbort,
            4 => HypTrapKind::DataAbort,
            5 => HypTrapKind::GuestTrap,
            6 => HypTrapKind::Irq,
            _ => HypTrapKind::Fiq,
        }
    }
}

/// The syndrome of an exception taken to HYP: HSR, HDFAR and HIFAR.
#[derive(Debug, Clone, Copy)]
pub struct HypSyndrome {
    pub hsr: u32,
    pub hdfar: u32,
    pub hifar: u32,
}

impl HypSyndrome {
    /// Reads the syndrome registers (meaningful inside an exception taken to HYP).
    pub fn read() -> HypSyndrome {
        let (hsr, hdfar, hifar): (u32, u32, u32);
        // SAFETY: reads three HYP syndrome registers.
        unsafe {
            asm!(
                "mrc p15, 4, {0}, c5, c2, 0",
                "mrc p15, 4, {1}, c6, c0, 0",
                "mrc p15, 4, {2}, c6, c0, 2",
                out(reg) hsr, out(reg) hdfar, out(reg) hifar,
                options(nomem, nostack)
            )
        };
        HypSyndrome { hsr, hdfar, hifar }
    }
}

/// A board's HYP trap handler: called for every exception taken to HYP with its frame.
pub type HypTrapHandler = fn(&mut HypFrame, HypTrapKind);

static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Installs the HYP vector table (HVBAR) and routes every exception taken to HYP to `handler`.
pub fn set_hyp_trap_handler(handler: HypTrapHandler) {
    HANDLER.store(handler as usize, Ordering::Release);
    // SAFETY: the table is 32-byte aligned A32 code that saves and restores the full frame;
    // only valid in HYP mode.
    unsafe { asm!("ldr {0}, =wells_arm_hyp_vectors", "mcr p15, 4, {0}, c12, c0, 0", "isb", out(reg) _, options(nostack)) };
}

/// The address of the HYP vector table, and HVBAR as this CPU has it (equal once
/// [`set_hyp_trap_handler`] ran here).
pub fn hyp_vectors_and_hvbar() -> (u32, u32) {
    let (address, hvbar): (u32, u32);
    // SAFETY: takes an address and reads a system register (only valid in HYP mode).
    unsafe { asm!("ldr {0}, =wells_arm_hyp_vectors", "mrc p15, 4, {1}, c12, c0, 0", out(reg) address, out(reg) hvbar, options(nostack)) };
    (address, hvbar)
}

/// The registers a fast hypercall sees and answers in: the guest's r0 to r3 (function ID and
/// arguments, then the results) in the frame the vector pushed; loaded back on return.
pub type HypFastCallRegisters = [u32; 4];

/// A board's fast-hypercall handler ([`set_hyp_fast_call_handler`]): answers the call in
/// `registers` and returns true, or returns false, leaving them as they came, for the full
/// trap path.
pub type HypFastCallHandler = extern "C" fn(&mut HypFastCallRegisters) -> bool;

/// The handler the guest-trap vector calls for a call in the mask (set before the mask).
#[no_mangle]
static WELLS_ARM_HYP_FAST_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Bit n set: wells' hypercall 0x8600_0000 + n (function ID in r0, bit 30 ignored as the
/// dispatcher ignores it) may be fast.
#[no_mangle]
static WELLS_ARM_HYP_FAST_CALLS: AtomicU32 = AtomicU32::new(0);

/// Routes the HVCs of a guest whose function is in `calls` (bit n: 0x8600_0000 + n; from 32 on
/// never) to `handler` before the exit is handled: a call it answers returns to the guest from
/// the vector, without the vCPU bookkeeping of an exit; any other takes the full trap path
/// ([`set_hyp_trap_handler`]).
pub fn set_hyp_fast_call_handler(handler: HypFastCallHandler, calls: u64) {
    // The vector calls it directly, by the C ABI: r0 = the registers, r0 = the answer.
    WELLS_ARM_HYP_FAST_HANDLER.store(handler as usize, Ordering::Release);
    WELLS_ARM_HYP_FAST_CALLS.store(calls as u32, Ordering::Release);
}

#[no_mangle]
extern "C" fn wells_arm_hyp_trap(frame: &mut HypFrame, index: u32) {
    let handler = HANDLER.load(Ordering::Acquire);
    if handler == 0 {
        loop {
            super::super::wait_for_interrupt();
        }
    }
    // SAFETY: only `set_hyp_trap_handler` stores here, always a `HypTrapHandler`.
    let handler: HypTrapHandler = unsafe { core::mem::transmute::<usize, HypTrapHandler>(handler) };
    handler(frame, HypTrapKind::from_index(index));
}

macro_rules! hyp_entry {
    ($index:literal) => {
        concat!("    push {{r0-r12, lr}}\n", "    mov r1, #", $index, "\n", "    b wells_arm_hyp_common\n")
    };
}

global_asm!(
    ".section .text.wells_arm_hyp_vectors",
    ".arm",
    ".arch_extension virt",
    ".balign 32",
    ".global wells_arm_hyp_vectors",
    "wells_arm_hyp_vectors:",
    "    b .",                            // reset: not used
    "    b wells_arm_hyp_undefined",
    "    b wells_arm_hyp_hvc",
    "    b wells_arm_hyp_prefetch_abort",
    "    b wells_arm_hyp_data_abort",
    "    b wells_arm_hyp_guest_trap",
    "    b wells_arm_hyp_irq",
    "    b wells_arm_hyp_fiq",
    "wells_arm_hyp_undefined:",
    hyp_entry!("1"),
    "wells_arm_hyp_hvc:",
    hyp_entry!("2"),
    "wells_arm_hyp_prefetch_abort:",
    hyp_entry!("3"),
    "wells_arm_hyp_data_abort:",
    hyp_entry!("4"),
    // A guest's exit. An HVC (HSR class 0x12) from a guest mode whose function (r0) is in the
    // fast-call mask is offered to the board's fast handler with the frame's r0-r3; one it
    // answers returns at once (ELR_hyp and SPSR_hyp untouched). Everything else goes on as every
    // other trap, with the frame as pushed.
    "wells_arm_hyp_guest_trap:",
    // The mask first: it costs the other exits least (r0 of an MMIO or other exit is
    // whatever the guest had, usually far outside wells' range).
    "    push {{r0-r12, lr}}",
    "    bic r1, r0, #(1 << 30)",
    "    sub r1, r1, #0x86000000",
    "    cmp r1, #31",
    "    bhi 9f",
    "    movw r2, #:lower16:WELLS_ARM_HYP_FAST_CALLS",
    "    movt r2, #:upper16:WELLS_ARM_HYP_FAST_CALLS",
    "    ldr r2, [r2]",
    "    lsr r2, r2, r1",
    "    tst r2, #1",
    "    beq 9f",
    "    mrs r1, spsr",
    "    and r1, r1, #0x1f",
    "    cmp r1, #0x1a",
    "    beq 9f",
    "    mrc p15, 4, r1, c5, c2, 0",
    "    lsr r1, r1, #26",
    "    cmp r1, #0x12",
    "    bne 9f",
    "    movw r2, #:lower16:WELLS_ARM_HYP_FAST_HANDLER",
    "    movt r2, #:upper16:WELLS_ARM_HYP_FAST_HANDLER",
    "    ldr r2, [r2]",
    "    mov r0, sp",
    "    mov r4, sp",
    "    bic sp, sp, #7",
    "    blx r2",
    "    mov sp, r4",
    "    cmp r0, #0",
    "    beq 9f",
    "    pop {{r0-r12, lr}}",
    "    eret",
    // The frame holds the guest's r0-r12 and lr as they came (the handler left r0-r3 so when it
    // said no); ELR_hyp and SPSR_hyp are still the exit's.
    "9:  mov r1, #5",
    "    b wells_arm_hyp_common",
    "wells_arm_hyp_irq:",
    hyp_entry!("6"),
    "wells_arm_hyp_fiq:",
    hyp_entry!("7"),
    // r0-r12 and lr pushed; r1 = vector index. Frame: elr, spsr, r0-r12, lr.
    "wells_arm_hyp_common:",
    "    mrs r2, elr_hyp",
    "    mrs r3, spsr",
    "    push {{r2, r3}}",
    "    mov r0, sp",
    "    mov r4, sp",
    "    bic sp, sp, #7",
    "    bl wells_arm_hyp_trap",
    "    mov sp, r4",
    "    pop {{r2, r3}}",
    "    msr elr_hyp, r2",
    "    msr spsr_cxsf, r3",
    "    pop {{r0-r12, lr}}",
    "    eret",
);
