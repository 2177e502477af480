//! The world switch at EL3: what of a world the monitor keeps while the other runs
//! ([`WorldContext`]: its general registers, return address and state, and its EL1/EL0 system
//! registers, [`El1State`]), and the first entry of the secure world ([`enter_secure_world`]).
//!
//! Not switched, on purpose: EL2's registers (there is no secure EL2 before FEAT_SEL2, so only
//! the normal world has them, and neither the monitor nor the secure world writes them), and the
//! FP/SIMD registers (the secure world is built soft-float, kernel and tasks: it never touches
//! them).

use super::El3Frame;
use core::arch::asm;

/// The EL1 and EL0 system registers both worlds use, and the EL1 timers (the same registers
/// serve both worlds: a world's timer must not fire for the other one).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct El1State {
    pub sctlr: u64,
    pub cpacr: u64,
    pub ttbr0: u64,
    pub ttbr1: u64,
    pub tcr: u64,
    pub mair: u64,
    pub amair: u64,
    pub vbar: u64,
    pub contextidr: u64,
    pub tpidr_el1: u64,
    pub tpidr_el0: u64,
    pub tpidrro_el0: u64,
    pub sp_el1: u64,
    pub sp_el0: u64,
    pub elr: u64,
    pub spsr: u64,
    pub esr: u64,
    pub far: u64,
    pub afsr0: u64,
    pub afsr1: u64,
    pub par: u64,
    pub csselr: u64,
    pub cntkctl: u64,
    pub mdscr: u64,
    pub cntv_ctl: u64,
    pub cntv_cval: u64,
    pub cntp_ctl: u64,
    pub cntp_cval: u64,
}

/// SCTLR_EL1 as a world gets it at its first entry: RES1 bits, MMU and caches off.
pub const SCTLR_EL1_CLEAN: u64 = 0x30d0_0800;

impl El1State {
    /// What a world starts with: system control clean, timers off, everything else zero.
    pub const fn fresh() -> El1State {
        El1State {
            sctlr: SCTLR_EL1_CLEAN,
            cpacr: 0,
            ttbr0: 0,
            ttbr1: 0,
            tcr: 0,
            mair: 0,
            amair: 0,
            vbar: 0,
            contextidr: 0,
            tpidr_el1: 0,
            tpidr_el0: 0,
            tpidrro_el0: 0,
            sp_el1: 0,
            sp_el0: 0,
            elr: 0,
            spsr: 0,
            esr: 0,
            far: 0,
            afsr0: 0,
            afsr1: 0,
            par: 0,
            csselr: 0,
            cntkctl: 0,
            mdscr: 0,
            cntv_ctl: 0,
            cntv_cval: 0,
            cntp_ctl: 0,
            cntp_cval: 0,
        }
    }

    /// Reads the CPU's registers into `self`.
    pub fn save(&mut self) {
        let at = self as *mut El1State;
        // SAFETY: at EL3, these registers are readable; `at` is this struct, whose fields are
        // laid out in this order (repr(C), 8 bytes each).
        unsafe {
            asm!(
                "mrs {t}, sctlr_el1", "str {t}, [{p}, #0]",
                "mrs {t}, cpacr_el1", "str {t}, [{p}, #8]",
                "mrs {t}, ttbr0_el1", "str {t}, [{p}, #16]",
                "mrs {t}, ttbr1_el1", "str {t}, [{p}, #24]",
                "mrs {t}, tcr_el1", "str {t}, [{p}, #32]",
                "mrs {t}, mair_el1", "str {t}, [{p}, #40]",
                "mrs {t}, amair_el1", "str {t}, [{p}, #48]",
                "mrs {t}, vbar_el1", "str {t}, [{p}, #56]",
                "mrs {t}, contextidr_el1", "str {t}, [{p}, #64]",
                "mrs {t}, tpidr_el1", "str {t}, [{p}, #72]",
                "mrs {t}, tpidr_el0", "str {t}, [{p}, #80]",
                "mrs {t}, tpidrro_el0", "str {t}, [{p}, #88]",
                "mrs {t}, sp_el1", "str {t}, [{p}, #96]",
                "mrs {t}, sp_el0", "str {t}, [{p}, #104]",
                "mrs {t}, elr_el1", "str {t}, [{p}, #112]",
                "mrs {t}, spsr_el1", "str {t}, [{p}, #120]",
                "mrs {t}, esr_el1", "str {t}, [{p}, #128]",
                "mrs {t}, far_el1", "str {t}, [{p}, #136]",
                "mrs {t}, afsr0_el1", "str {t}, [{p}, #144]",
                "mrs {t}, afsr1_el1", "str {t}, [{p}, #152]",
                "mrs {t}, par_el1", "str {t}, [{p}, #160]",
                "mrs {t}, csselr_el1", "str {t}, [{p}, #168]",
                "mrs {t}, cntkctl_el1", "str {t}, [{p}, #176]",
                "mrs {t}, mdscr_el1", "str {t}, [{p}, #184]",
                "mrs {t}, cntv_ctl_el0", "str {t}, [{p}, #192]",
                "mrs {t}, cntv_cval_el0", "str {t}, [{p}, #200]",
                "mrs {t}, cntp_ctl_el0", "str {t}, [{p}, #208]",
                "mrs {t}, cntp_cval_el0", "str {t}, [{p}, #216]",
                p = in(reg) at,
                t = out(reg) _,
                options(nostack)
            )
        };
    }

    /// Writes `self` into the CPU's registers.
    pub fn restore(&self) {
        let at = self as *const El1State;
        // SAFETY: at EL3, these registers are writable and only take effect below EL3, at the
        // next exception return; `at` is this struct (layout as in `save`).
        unsafe {
            asm!(
                "ldr {t}, [{p}, #0]", "msr sctlr_el1, {t}",
                "ldr {t}, [{p}, #8]", "msr cpacr_el1, {t}",
                "ldr {t}, [{p}, #16]", "msr ttbr0_el1, {t}",
                "ldr {t}, [{p}, #24]", "msr ttbr1_el1, {t}",
                "ldr {t}, [{p}, #32]", "msr tcr_el1, {t}",
                "ldr {t}, [{p}, #40]", "msr mair_el1, {t}",
                "ldr {t}, [{p}, #48]", "msr amair_el1, {t}",
                "ldr {t}, [{p}, #56]", "msr vbar_el1, {t}",
                "ldr {t}, [{p}, #64]", "msr contextidr_el1, {t}",
                "ldr {t}, [{p}, #72]", "msr tpidr_el1, {t}",
                "ldr {t}, [{p}, #80]", "msr tpidr_el0, {t}",
                "ldr {t}, [{p}, #88]", "msr tpidrro_el0, {t}",
                "ldr {t}, [{p}, #96]", "msr sp_el1, {t}",
                "ldr {t}, [{p}, #104]", "msr sp_el0, {t}",
                "ldr {t}, [{p}, #112]", "msr elr_el1, {t}",
                "ldr {t}, [{p}, #120]", "msr spsr_el1, {t}",
                "ldr {t}, [{p}, #128]", "msr esr_el1, {t}",
                "ldr {t}, [{p}, #136]", "msr far_el1, {t}",
                "ldr {t}, [{p}, #144]", "msr afsr0_el1, {t}",
                "ldr {t}, [{p}, #152]", "msr afsr1_el1, {t}",
                "ldr {t}, [{p}, #160]", "msr par_el1, {t}",
                "ldr {t}, [{p}, #168]", "msr csselr_el1, {t}",
                "ldr {t}, [{p}, #176]", "msr cntkctl_el1, {t}",
                "ldr {t}, [{p}, #184]", "msr mdscr_el1, {t}",
                // The timers: compare value first, so enabling never fires on the old one.
                "ldr {t}, [{p}, #200]", "msr cntv_cval_el0, {t}",
                "ldr {t}, [{p}, #192]", "msr cntv_ctl_el0, {t}",
                "ldr {t}, [{p}, #216]", "msr cntp_cval_el0, {t}",
                "ldr {t}, [{p}, #208]", "msr cntp_ctl_el0, {t}",
                p = in(reg) at,
                t = out(reg) _,
                options(nostack)
            )
        };
    }
}

/// A world while the other one runs: its general registers, where it resumes, and its EL1/EL0
/// system registers.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WorldContext {
    pub x: [u64; 31],
    pub elr: u64,
    pub spsr: u64,
    pub el1: El1State,
}

impl WorldContext {
    pub const fn fresh() -> WorldContext {
        WorldContext { x: [0; 31], elr: 0, spsr: 0, el1: El1State::fresh() }
    }

    /// Keeps the world that trapped into `frame`: its registers, and its EL1 state from the CPU.
    pub fn save(&mut self, frame: &El3Frame) {
        self.x = frame.x;
        self.elr = frame.elr;
        self.spsr = frame.spsr;
        self.el1.save();
    }

    /// Makes this world the one the exception return goes to: its EL1 state into the CPU, its
    /// registers into `frame`, and the security state `scr`.
    pub fn load(&self, frame: &mut El3Frame, scr: u64) {
        self.el1.restore();
        frame.x = self.x;
        frame.elr = self.elr;
        frame.spsr = self.spsr;
        set_scr(scr);
    }
}

/// Writes SCR_EL3 (which world the lower levels are, and where their interrupts go).
pub fn set_scr(scr: u64) {
    // SAFETY: at EL3; takes effect below EL3 at the next exception return.
    unsafe { asm!("msr scr_el3, {0}", "isb", in(reg) scr, options(nostack)) };
}

/// SCR_EL3 for the secure world: NS = 0, RES1 bits 5:4, RW (secure EL1 is AArch64); SMC
/// enabled; with `fiq_to_el3`, FIQs (the secure timer's group 0 interrupt) go to the monitor.
pub const fn scr_secure_world(fiq_to_el3: bool) -> u64 {
    (0b11 << 4) | (1 << 10) | if fiq_to_el3 { 1 << 2 } else { 0 }
}

/// SPSR_EL3 for the secure world's first entry: EL1h, DAIF masked.
const SPSR_EL1H: u64 = 0x3c5;

/// Enters the secure world for the first time at secure EL1 at `entry`, its EL1 state `fresh`,
/// every general register zero, security state `scr`; the monitor's stack starts again at
/// `monitor_stack`. Never returns: the secure world comes back through the vectors (its first
/// `SECURE_DONE`).
pub fn enter_secure_world(entry: u64, scr: u64, monitor_stack: usize) -> ! {
    El1State::fresh().restore();
    set_scr(scr);
    // SAFETY: at EL3 after `establish`; everything the monitor still needs is static and the
    // stack it ran on so far is given up.
    unsafe {
        asm!(
            "msr elr_el3, {entry}",
            "msr spsr_el3, {spsr}",
            "mov sp, {stack}",
            "mov x0, xzr", "mov x1, xzr", "mov x2, xzr", "mov x3, xzr", "mov x4, xzr", "mov x5, xzr",
            "mov x6, xzr", "mov x7, xzr", "mov x8, xzr", "mov x9, xzr", "mov x10, xzr",
            "mov x11, xzr", "mov x12, xzr", "mov x13, xzr", "mov x14, xzr", "mov x15, xzr",
            "mov x16, xzr", "mov x17, xzr", "mov x18, xzr", "mov x19, xzr", "mov x20, xzr",
            "mov x21, xzr", "mov x22, xzr", "mov x23, xzr", "mov x24, xzr", "mov x25, xzr",
            "mov x26, xzr", "mov x27, xzr", "mov x28, xzr", "mov x29, xzr", "mov x30, xzr",
            "isb",
            "eret",
            entry = in(reg) entry,
            spsr = in(reg) SPSR_EL1H,
            stack = in(reg) monitor_stack,
            options(noreturn)
        )
    }
}
