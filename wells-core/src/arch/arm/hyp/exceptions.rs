//! HYP mode's exception vectors (HVBAR). HYP has one stack pointer and no banked link
//! register: every exception taken to HYP (a guest's traps, interrupts, HYP's own faults)
//! pushes a [`HypFrame`] on the current stack — a vCPU thread's stack while its guest runs —
//! and calls the trap handler the board registered, then returns with `eret`.

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicUsize, Ordering};

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
    "wells_arm_hyp_guest_trap:",
    hyp_entry!("5"),
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
