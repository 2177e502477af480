//! A partition's EL1 state on the Cortex-R52, switched when another partition runs: its system
//! registers (SCTLR, VBAR, fault registers, thread IDs, MAIR), its own EL1 MPU (PRSELR and every
//! region), its virtual timer, and the banked SP/LR/SPSR of each mode. r0-r12, USR's link
//! register and the return state are the trap frame ([`HypFrame`]). And the first entry into a
//! guest ([`enter`]).

use super::HypFrame;
use core::arch::{asm, global_asm};

/// EL1 MPU regions saved per partition (the Cortex-R52 has at most 24; QEMU models 16).
pub const EL1_REGIONS: usize = 24;

/// Reads a 32-bit CP15 register.
macro_rules! mrc {
    ($op1:literal, $crn:literal, $crm:literal, $op2:literal) => {{
        let value: u32;
        // SAFETY: reads an EL1 system register from EL2; no side effects.
        unsafe { asm!(concat!("mrc p15, ", $op1, ", {0}, ", $crn, ", ", $crm, ", ", $op2), out(reg) value, options(nomem, nostack)) };
        value
    }};
}

/// Writes a 32-bit CP15 register.
macro_rules! mcr {
    ($value:expr, $op1:literal, $crn:literal, $crm:literal, $op2:literal) => {{
        let value: u32 = $value;
        // SAFETY: writes an EL1 system register from EL2; it takes effect in the guest only.
        unsafe { asm!(concat!("mcr p15, ", $op1, ", {0}, ", $crn, ", ", $crm, ", ", $op2), in(reg) value, options(nomem, nostack)) };
    }};
}

/// Reads a banked register of another mode.
macro_rules! banked {
    ($name:literal) => {{
        let value: u32;
        // SAFETY: reads a guest mode's banked register from HYP; no side effects.
        unsafe { asm!(".arch_extension virt", concat!("mrs {0}, ", $name), out(reg) value, options(nomem, nostack)) };
        value
    }};
}

/// Writes a banked register of another mode.
macro_rules! set_banked {
    ($name:literal, $value:expr) => {{
        let value: u32 = $value;
        // SAFETY: writes a guest mode's banked register from HYP; HYP itself uses none of them.
        unsafe { asm!(".arch_extension virt", concat!("msr ", $name, ", {0}"), in(reg) value, options(nomem, nostack)) };
    }};
}

/// One partition's EL1 registers.
#[derive(Debug, Clone)]
pub struct GuestContext {
    pub sctlr: u32,
    pub cpacr: u32,
    pub dfsr: u32,
    pub ifsr: u32,
    pub dfar: u32,
    pub ifar: u32,
    pub vbar: u32,
    pub contextidr: u32,
    pub tpidrurw: u32,
    pub tpidruro: u32,
    pub tpidrprw: u32,
    pub mair0: u32,
    pub mair1: u32,
    pub cntkctl: u32,
    pub cntv_ctl: u32,
    pub cntv_cval: u64,
    /// The guest's EL1 MPU: its selector and every region's PRBAR and PRLAR (PRLAR.EN included).
    pub prselr: u32,
    pub regions: [(u32, u32); EL1_REGIONS],
    /// SP_usr, then SP, LR and SPSR of SVC, ABT, UND, IRQ.
    pub sp_usr: u32,
    pub svc: [u32; 3],
    pub abt: [u32; 3],
    pub und: [u32; 3],
    pub irq: [u32; 3],
    /// r8-r12, SP, LR and SPSR of FIQ mode.
    pub fiq: [u32; 8],
}

/// SCTLR out of reset: RES1 bits, MPU and caches off.
const SCTLR_RESET: u32 = 0x00c5_0878;

/// SPSR for a guest's first instruction: SVC mode, A32, asynchronous aborts, IRQ and FIQ masked.
pub const SPSR_SVC_MASKED: u32 = 0x1d3;

/// Number of EL1 MPU regions the CPU has (MPUIR.REGION), at most [`EL1_REGIONS`].
fn el1_regions() -> usize {
    ((mrc!(0, "c0", "c0", 4) >> 8) & 0xff).min(EL1_REGIONS as u32) as usize
}

impl GuestContext {
    /// The registers of a CPU coming out of reset: MPU off, no regions.
    pub fn reset() -> GuestContext {
        GuestContext {
            sctlr: SCTLR_RESET,
            cpacr: 0,
            dfsr: 0,
            ifsr: 0,
            dfar: 0,
            ifar: 0,
            vbar: 0,
            contextidr: 0,
            tpidrurw: 0,
            tpidruro: 0,
            tpidrprw: 0,
            mair0: 0,
            mair1: 0,
            cntkctl: 0,
            cntv_ctl: 0,
            cntv_cval: 0,
            prselr: 0,
            regions: [(0, 0); EL1_REGIONS],
            sp_usr: 0,
            svc: [0; 3],
            abt: [0; 3],
            und: [0; 3],
            irq: [0; 3],
            fiq: [0; 8],
        }
    }

    /// Saves the EL1 registers the CPU holds and stops the virtual timer (it must not fire for a
    /// partition that is not running; [`GuestContext::restore`] starts it again).
    pub fn save(&mut self) {
        self.sctlr = mrc!(0, "c1", "c0", 0);
        self.cpacr = mrc!(0, "c1", "c0", 2);
        self.dfsr = mrc!(0, "c5", "c0", 0);
        self.ifsr = mrc!(0, "c5", "c0", 1);
        self.dfar = mrc!(0, "c6", "c0", 0);
        self.ifar = mrc!(0, "c6", "c0", 2);
        self.vbar = mrc!(0, "c12", "c0", 0);
        self.contextidr = mrc!(0, "c13", "c0", 1);
        self.tpidrurw = mrc!(0, "c13", "c0", 2);
        self.tpidruro = mrc!(0, "c13", "c0", 3);
        self.tpidrprw = mrc!(0, "c13", "c0", 4);
        self.mair0 = mrc!(0, "c10", "c2", 0);
        self.mair1 = mrc!(0, "c10", "c2", 1);
        self.cntkctl = mrc!(0, "c14", "c1", 0);
        self.cntv_ctl = mrc!(0, "c14", "c3", 1);
        let (low, high): (u32, u32);
        // SAFETY: reads CNTV_CVAL.
        unsafe { asm!("mrrc p15, 3, {0}, {1}, c14", out(reg) low, out(reg) high, options(nomem, nostack)) };
        self.cntv_cval = ((high as u64) << 32) | low as u64;
        mcr!(0, 0, "c14", "c3", 1);
        self.prselr = mrc!(0, "c6", "c2", 1);
        for n in 0..el1_regions() {
            mcr!(n as u32, 0, "c6", "c2", 1);
            // SAFETY: orders the selector before the reads it selects.
            unsafe { asm!("isb", options(nomem, nostack)) };
            self.regions[n] = (mrc!(0, "c6", "c3", 0), mrc!(0, "c6", "c3", 1));
        }
        self.sp_usr = banked!("sp_usr");
        self.svc = [banked!("sp_svc"), banked!("lr_svc"), banked!("spsr_svc")];
        self.abt = [banked!("sp_abt"), banked!("lr_abt"), banked!("spsr_abt")];
        self.und = [banked!("sp_und"), banked!("lr_und"), banked!("spsr_und")];
        self.irq = [banked!("sp_irq"), banked!("lr_irq"), banked!("spsr_irq")];
        self.fiq = [
            banked!("r8_fiq"),
            banked!("r9_fiq"),
            banked!("r10_fiq"),
            banked!("r11_fiq"),
            banked!("r12_fiq"),
            banked!("sp_fiq"),
            banked!("lr_fiq"),
            banked!("spsr_fiq"),
        ];
    }

    /// Loads these registers into the CPU (before this partition's guest runs again).
    pub fn restore(&self) {
        mcr!(self.sctlr, 0, "c1", "c0", 0);
        mcr!(self.cpacr, 0, "c1", "c0", 2);
        mcr!(self.dfsr, 0, "c5", "c0", 0);
        mcr!(self.ifsr, 0, "c5", "c0", 1);
        mcr!(self.dfar, 0, "c6", "c0", 0);
        mcr!(self.ifar, 0, "c6", "c0", 2);
        mcr!(self.vbar, 0, "c12", "c0", 0);
        mcr!(self.contextidr, 0, "c13", "c0", 1);
        mcr!(self.tpidrurw, 0, "c13", "c0", 2);
        mcr!(self.tpidruro, 0, "c13", "c0", 3);
        mcr!(self.tpidrprw, 0, "c13", "c0", 4);
        mcr!(self.mair0, 0, "c10", "c2", 0);
        mcr!(self.mair1, 0, "c10", "c2", 1);
        mcr!(self.cntkctl, 0, "c14", "c1", 0);
        for n in 0..el1_regions() {
            mcr!(n as u32, 0, "c6", "c2", 1);
            // SAFETY: orders the selector before the writes it selects.
            unsafe { asm!("isb", options(nomem, nostack)) };
            mcr!(self.regions[n].0, 0, "c6", "c3", 0);
            mcr!(self.regions[n].1, 0, "c6", "c3", 1);
        }
        mcr!(self.prselr, 0, "c6", "c2", 1);
        // SAFETY: writes CNTV_CVAL; CNTV_CTL then restarts the timer as it was.
        unsafe {
            asm!("mcrr p15, 3, {0}, {1}, c14", in(reg) self.cntv_cval as u32, in(reg) (self.cntv_cval >> 32) as u32, options(nomem, nostack));
        }
        mcr!(self.cntv_ctl, 0, "c14", "c3", 1);
        set_banked!("sp_usr", self.sp_usr);
        set_banked!("sp_svc", self.svc[0]);
        set_banked!("lr_svc", self.svc[1]);
        set_banked!("spsr_svc", self.svc[2]);
        set_banked!("sp_abt", self.abt[0]);
        set_banked!("lr_abt", self.abt[1]);
        set_banked!("spsr_abt", self.abt[2]);
        set_banked!("sp_und", self.und[0]);
        set_banked!("lr_und", self.und[1]);
        set_banked!("spsr_und", self.und[2]);
        set_banked!("sp_irq", self.irq[0]);
        set_banked!("lr_irq", self.irq[1]);
        set_banked!("spsr_irq", self.irq[2]);
        set_banked!("r8_fiq", self.fiq[0]);
        set_banked!("r9_fiq", self.fiq[1]);
        set_banked!("r10_fiq", self.fiq[2]);
        set_banked!("r11_fiq", self.fiq[3]);
        set_banked!("r12_fiq", self.fiq[4]);
        set_banked!("sp_fiq", self.fiq[5]);
        set_banked!("lr_fiq", self.fiq[6]);
        set_banked!("spsr_fiq", self.fiq[7]);
        // SAFETY: orders the writes before the exception return into the guest.
        unsafe { asm!("isb", options(nomem, nostack)) };
    }
}

/// Mode numbers (CPSR.M) of the guest's modes.
const MODE_USR: u32 = 0x10;
const MODE_FIQ: u32 = 0x11;
const MODE_IRQ: u32 = 0x12;
const MODE_SVC: u32 = 0x13;
const MODE_ABT: u32 = 0x17;
const MODE_UND: u32 = 0x1b;
const MODE_SYS: u32 = 0x1f;

/// General register `n` (0..=14) of the guest as it was when it exited to EL2: r0-r12 and USR's
/// LR are in the frame; SP and LR, and FIQ mode's r8-r12, are the banked ones of the mode it was
/// in (SPSR.M). `None` for r15 or a mode no guest runs in.
pub fn register(frame: &HypFrame, n: usize) -> Option<u32> {
    let mode = frame.spsr & 0x1f;
    Some(match (n, mode) {
        (8..=12, MODE_FIQ) => [banked!("r8_fiq"), banked!("r9_fiq"), banked!("r10_fiq"), banked!("r11_fiq"), banked!("r12_fiq")][n - 8],
        (0..=12, _) => frame.r[n],
        (13, MODE_USR | MODE_SYS) => banked!("sp_usr"),
        (14, MODE_USR | MODE_SYS) => frame.lr_usr,
        (13, MODE_SVC) => banked!("sp_svc"),
        (14, MODE_SVC) => banked!("lr_svc"),
        (13, MODE_ABT) => banked!("sp_abt"),
        (14, MODE_ABT) => banked!("lr_abt"),
        (13, MODE_UND) => banked!("sp_und"),
        (14, MODE_UND) => banked!("lr_und"),
        (13, MODE_IRQ) => banked!("sp_irq"),
        (14, MODE_IRQ) => banked!("lr_irq"),
        (13, MODE_FIQ) => banked!("sp_fiq"),
        (14, MODE_FIQ) => banked!("lr_fiq"),
        _ => return None,
    })
}

/// Sets general register `n` of the guest (as [`register`] finds it); false when there is none.
pub fn set_register(frame: &mut HypFrame, n: usize, value: u32) -> bool {
    let mode = frame.spsr & 0x1f;
    match (n, mode) {
        (8, MODE_FIQ) => set_banked!("r8_fiq", value),
        (9, MODE_FIQ) => set_banked!("r9_fiq", value),
        (10, MODE_FIQ) => set_banked!("r10_fiq", value),
        (11, MODE_FIQ) => set_banked!("r11_fiq", value),
        (12, MODE_FIQ) => set_banked!("r12_fiq", value),
        (0..=12, _) => frame.r[n] = value,
        (13, MODE_USR | MODE_SYS) => set_banked!("sp_usr", value),
        (14, MODE_USR | MODE_SYS) => frame.lr_usr = value,
        (13, MODE_SVC) => set_banked!("sp_svc", value),
        (14, MODE_SVC) => set_banked!("lr_svc", value),
        (13, MODE_ABT) => set_banked!("sp_abt", value),
        (14, MODE_ABT) => set_banked!("lr_abt", value),
        (13, MODE_UND) => set_banked!("sp_und", value),
        (14, MODE_UND) => set_banked!("lr_und", value),
        (13, MODE_IRQ) => set_banked!("sp_irq", value),
        (14, MODE_IRQ) => set_banked!("lr_irq", value),
        (13, MODE_FIQ) => set_banked!("sp_fiq", value),
        (14, MODE_FIQ) => set_banked!("lr_fiq", value),
        _ => return false,
    }
    true
}

/// Masks the virtual timer the CPU holds (CNTV_CTL.IMASK; its interrupt line drops): EL2 took its
/// interrupt for the guest, which unmasks it when it programs the timer again.
pub fn mask_live_timer() {
    let ctl = mrc!(0, "c14", "c3", 1);
    mcr!(ctl | (1 << 1), 0, "c14", "c3", 1);
}

/// The trap frame of a guest about to run its first instruction at `pc` (an odd address: T32)
/// with `r0`..`r3`.
pub fn first_frame(pc: u32, args: [u32; 4]) -> HypFrame {
    let spsr = if pc & 1 != 0 { SPSR_SVC_MASKED | (1 << 5) } else { SPSR_SVC_MASKED };
    let mut r = [0u32; 13];
    r[..4].copy_from_slice(&args);
    HypFrame { elr: pc & !1, spsr, r, lr_usr: 0 }
}

extern "C" {
    fn wells_armv8r_el2_enter(frame: *const HypFrame) -> !;
}

/// Enters the guest `frame` describes (its EL1 registers already in the CPU). The frame's own
/// memory becomes HYP's stack pointer: every exception taken to EL2 afterwards pushes its frame
/// there, so it must be the top [`core::mem::size_of::<HypFrame>()`] bytes of the stack the
/// hypervisor's traps run on, not the stack the caller runs on.
///
/// # Safety
/// The frame must be such a stack top, 8-byte aligned, with the stack below it free.
pub unsafe fn enter(frame: *const HypFrame) -> ! {
    // SAFETY: the caller's contract; the return state in the frame goes to EL1 or EL0 only.
    unsafe { wells_armv8r_el2_enter(frame) }
}

global_asm!(
    ".section .text.wells_armv8r_el2_enter",
    ".arm",
    ".arch_extension virt",
    ".global wells_armv8r_el2_enter",
    "wells_armv8r_el2_enter:",
    "    mov sp, r0",
    "    pop {{r2, r3}}",
    "    msr elr_hyp, r2",
    "    msr spsr_cxsf, r3",
    "    pop {{r0-r12, lr}}",
    "    eret",
);
