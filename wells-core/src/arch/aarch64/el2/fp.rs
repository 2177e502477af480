//! Guests' FP/SIMD registers, switched lazily: CPTR_EL2.TFP stays set until a guest uses them.
//! On its first FP instruction the trap hands the registers over: those of the vCPU that owned
//! them are saved into its save area, this vCPU's loaded, and TFP cleared for as long as the CPU
//! holds this vCPU's guest registers. A vCPU that never touches FP (the bare guests, wells' own
//! images, which are soft-float) costs nothing; a Linux guest and its busybox get their own
//! registers. The hypervisor itself is soft-float: it never touches them.
//!
//! Each CPU has its own FP unit, so each has its own owner. A vCPU stays on one CPU (its
//! thread is pinned: `wells_board_common::hypervisor` says why), so its registers are only
//! ever in that CPU's unit or in its save area.

use crate::arch::aarch64::Aarch64;
use crate::arch::Arch;
use crate::kernel::percpu::{slot_of, MAX_CPUS};
use core::arch::asm;
use core::sync::atomic::{AtomicUsize, Ordering};

/// One vCPU's FP/SIMD registers: V0..V31, FPCR, FPSR.
#[repr(C, align(16))]
#[derive(Debug, Clone, Default)]
pub struct FpState {
    v: [u128; 32],
    fpcr: u64,
    fpsr: u64,
}

/// Per CPU: the save area whose registers its FP unit holds (0: none, or a vCPU that is gone).
static OWNER: [AtomicUsize; MAX_CPUS] = [const { AtomicUsize::new(0) }; MAX_CPUS];

/// This CPU's owner slot (the constant first one with one CPU).
fn owner() -> &'static AtomicUsize {
    &OWNER[slot_of(|| Aarch64.cpu_id())]
}

/// CPTR_EL2.TFP.
const TFP: u64 = 1 << 10;

fn set_trap(on: bool) {
    // SAFETY: CPTR_EL2.TFP only decides whether FP/SIMD instructions trap to EL2; the hypervisor
    // (soft-float) executes none.
    unsafe {
        asm!(
            "mrs {v}, cptr_el2",
            "bic {v}, {v}, {tfp}",
            "orr {v}, {v}, {set}",
            "msr cptr_el2, {v}",
            "isb",
            v = out(reg) _,
            tfp = in(reg) TFP,
            set = in(reg) if on { TFP } else { 0 },
            options(nomem, nostack)
        )
    };
}

impl FpState {
    /// The vCPU owning this area trapped on an FP instruction: the FP unit becomes its own (the
    /// previous owner's registers saved first) and stops trapping. Call with interrupts masked.
    pub fn claim(&mut self) {
        set_trap(false);
        let me = self as *mut FpState as usize;
        let slot = owner();
        let owner = slot.load(Ordering::Relaxed);
        if owner != me {
            if owner != 0 {
                // SAFETY: the owner is a live save area: one that goes away gives up the unit
                // first (`FpState::drop`).
                unsafe { (*(owner as *mut FpState)).save() };
            }
            self.load();
            slot.store(me, Ordering::Relaxed);
        }
    }

    /// The CPU is about to hold this area's vCPU: FP traps unless the unit holds its registers.
    pub fn guard(&self) {
        set_trap(owner().load(Ordering::Relaxed) != self as *const FpState as usize);
    }

    fn save(&mut self) {
        // SAFETY: stores V0..V31, FPCR and FPSR into this 16-byte aligned area (TFP is clear
        // here: `claim` cleared it before).
        unsafe {
            asm!(
                ".arch_extension fp",
                ".arch_extension simd",
                "stp q0, q1, [{p}, #0]", "stp q2, q3, [{p}, #32]", "stp q4, q5, [{p}, #64]", "stp q6, q7, [{p}, #96]",
                "stp q8, q9, [{p}, #128]", "stp q10, q11, [{p}, #160]", "stp q12, q13, [{p}, #192]", "stp q14, q15, [{p}, #224]",
                "stp q16, q17, [{p}, #256]", "stp q18, q19, [{p}, #288]", "stp q20, q21, [{p}, #320]", "stp q22, q23, [{p}, #352]",
                "stp q24, q25, [{p}, #384]", "stp q26, q27, [{p}, #416]", "stp q28, q29, [{p}, #448]", "stp q30, q31, [{p}, #480]",
                "mrs {t}, fpcr", "str {t}, [{p}, #512]",
                "mrs {t}, fpsr", "str {t}, [{p}, #520]",
                p = in(reg) self as *mut FpState,
                t = out(reg) _,
                options(nostack)
            )
        };
    }

    fn load(&self) {
        // SAFETY: loads V0..V31, FPCR and FPSR from this area; they affect only the guest (the
        // hypervisor never uses FP).
        unsafe {
            asm!(
                ".arch_extension fp",
                ".arch_extension simd",
                "ldp q0, q1, [{p}, #0]", "ldp q2, q3, [{p}, #32]", "ldp q4, q5, [{p}, #64]", "ldp q6, q7, [{p}, #96]",
                "ldp q8, q9, [{p}, #128]", "ldp q10, q11, [{p}, #160]", "ldp q12, q13, [{p}, #192]", "ldp q14, q15, [{p}, #224]",
                "ldp q16, q17, [{p}, #256]", "ldp q18, q19, [{p}, #288]", "ldp q20, q21, [{p}, #320]", "ldp q22, q23, [{p}, #352]",
                "ldp q24, q25, [{p}, #384]", "ldp q26, q27, [{p}, #416]", "ldp q28, q29, [{p}, #448]", "ldp q30, q31, [{p}, #480]",
                "ldr {t}, [{p}, #512]", "msr fpcr, {t}",
                "ldr {t}, [{p}, #520]", "msr fpsr, {t}",
                p = in(reg) self as *const FpState,
                t = out(reg) _,
                options(nostack, readonly)
            )
        };
    }
}

impl Drop for FpState {
    /// A save area going away (its VM destroyed) gives up the FP unit of whichever CPU holds
    /// it: nothing may be saved into freed memory later, and the next owner finds the unit
    /// trapping (this CPU's at once; another CPU's when it next loads a vCPU, `guard`).
    fn drop(&mut self) {
        let me = self as *mut FpState as usize;
        for (cpu, slot) in OWNER.iter().enumerate() {
            if slot.compare_exchange(me, 0, Ordering::Relaxed, Ordering::Relaxed).is_ok() && (MAX_CPUS == 1 || cpu == Aarch64.cpu_id()) {
                set_trap(true);
            }
        }
    }
}
