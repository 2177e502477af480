//! The guest side of a vCPU: the EL1 registers a guest owns (switched when another vCPU runs),
//! entering a guest for the first time, and the faulting IPA of an exit (the syndrome's other
//! parts are decoded by `arch::hypervisor::guest_exit`).

pub use crate::arch::hypervisor::guest_exit::{instruction_length, GuestState, MmioAccess};
use core::arch::asm;

/// The EL1 (and EL0 thread-pointer, virtual-timer) registers of one vCPU. General registers
/// are in the trap frame on the vCPU thread's stack; FP/SIMD registers are switched lazily
/// (`el2::fp`).
#[repr(C)]
#[derive(Debug, Clone, Default)]
pub struct GuestContext {
    pub sctlr: u64,
    pub cpacr: u64,
    pub ttbr0: u64,
    pub ttbr1: u64,
    pub tcr: u64,
    pub mair: u64,
    pub amair: u64,
    pub vbar: u64,
    pub contextidr: u64,
    pub esr: u64,
    pub far: u64,
    pub afsr0: u64,
    pub afsr1: u64,
    pub par: u64,
    pub tpidr_el0: u64,
    pub tpidrro_el0: u64,
    pub tpidr_el1: u64,
    pub cntkctl: u64,
    pub sp_el1: u64,
    pub elr_el1: u64,
    pub spsr_el1: u64,
    pub csselr: u64,
    pub cntv_ctl: u64,
    pub cntv_cval: u64,
    /// What the guest reads as MPIDR_EL1 (VMPIDR_EL2): its CPU number in the VM.
    pub vmpidr: u64,
    /// Its FP/SIMD registers while another vCPU owns the FP unit.
    pub fp: super::fp::FpState,
}

/// SCTLR_EL1 out of reset: RES1 bits, MMU and caches off.
const SCTLR_EL1_RESET: u64 = 0x30d0_0800;

impl GuestContext {
    /// The registers of a vCPU coming out of reset.
    pub fn reset() -> GuestContext {
        GuestContext { sctlr: SCTLR_EL1_RESET, vmpidr: crate::arch::hypervisor::guest_exit::guest_mpidr(0), ..GuestContext::default() }
    }

    /// Saves the guest registers the CPU holds. The guest's virtual timer keeps running until
    /// [`GuestContext::stop_timer`].
    pub fn save(&mut self) {
        // SAFETY: reads EL1 registers at EL2 into this structure; no side effects.
        unsafe {
            asm!(
                "mrs {0}, sctlr_el1", "mrs {1}, cpacr_el1", "mrs {2}, ttbr0_el1", "mrs {3}, ttbr1_el1",
                "mrs {4}, tcr_el1", "mrs {5}, mair_el1", "mrs {6}, amair_el1", "mrs {7}, vbar_el1",
                out(reg) self.sctlr, out(reg) self.cpacr, out(reg) self.ttbr0, out(reg) self.ttbr1,
                out(reg) self.tcr, out(reg) self.mair, out(reg) self.amair, out(reg) self.vbar,
                options(nomem, nostack)
            );
            asm!(
                "mrs {0}, contextidr_el1", "mrs {1}, esr_el1", "mrs {2}, far_el1", "mrs {3}, afsr0_el1",
                "mrs {4}, afsr1_el1", "mrs {5}, par_el1", "mrs {6}, tpidr_el0", "mrs {7}, tpidrro_el0",
                out(reg) self.contextidr, out(reg) self.esr, out(reg) self.far, out(reg) self.afsr0,
                out(reg) self.afsr1, out(reg) self.par, out(reg) self.tpidr_el0, out(reg) self.tpidrro_el0,
                options(nomem, nostack)
            );
            asm!(
                "mrs {0}, tpidr_el1", "mrs {1}, cntkctl_el1", "mrs {2}, sp_el1", "mrs {3}, elr_el1",
                "mrs {4}, spsr_el1", "mrs {5}, csselr_el1", "mrs {6}, cntv_ctl_el0", "mrs {7}, cntv_cval_el0",
                out(reg) self.tpidr_el1, out(reg) self.cntkctl, out(reg) self.sp_el1, out(reg) self.elr_el1,
                out(reg) self.spsr_el1, out(reg) self.csselr, out(reg) self.cntv_ctl, out(reg) self.cntv_cval,
                options(nomem, nostack)
            );
        }
    }

    /// Stops the guest's virtual timer in the CPU once its state is saved: it must not fire
    /// for a guest that is not running. `restore` starts it again from the saved state. (An
    /// interrupt it raised must be acknowledged first, or it vanishes before it is read.)
    pub fn stop_timer() {
        // SAFETY: disables the EL1 virtual timer, which only raises the guests' interrupt.
        unsafe { asm!("msr cntv_ctl_el0, xzr", "isb", options(nomem, nostack)) };
    }

    /// CNTV_CTL.IMASK: the hypervisor masks a guest's timer when it injects its interrupt (the
    /// guest unmasks it when it programs the timer again, as timer drivers do).
    pub const TIMER_IMASK: u64 = 1 << 1;

    /// The counter value at which the virtual timer the CPU holds will interrupt, when it is
    /// enabled and not masked.
    pub fn live_timer_deadline() -> Option<u64> {
        let (ctl, cval): (u64, u64);
        // SAFETY: reads the EL1 virtual timer's registers; no side effects.
        unsafe { asm!("mrs {0}, cntv_ctl_el0", "mrs {1}, cntv_cval_el0", out(reg) ctl, out(reg) cval, options(nomem, nostack)) };
        (ctl & 1 != 0 && ctl & Self::TIMER_IMASK == 0).then_some(cval)
    }

    /// Masks the virtual timer the CPU holds (its interrupt line drops): the hypervisor took
    /// its interrupt for the guest.
    pub fn mask_live_timer() {
        // SAFETY: sets CNTV_CTL_EL0.IMASK; only the guest's timer interrupt is affected.
        unsafe {
            asm!("mrs {0}, cntv_ctl_el0", "orr {0}, {0}, #2", "msr cntv_ctl_el0, {0}", "isb", out(reg) _, options(nomem, nostack))
        };
    }

    /// The guest used FP/SIMD (the trap, EC 0x07): it gets the FP unit with its own registers.
    pub fn claim_fp(&mut self) {
        self.fp.claim();
    }

    /// FP/SIMD registers as out of reset (a restart): the old ones are dropped, giving up the FP
    /// unit if this vCPU owned it.
    pub fn reset_fp(&mut self) {
        self.fp = super::fp::FpState::default();
    }

    /// Loads these registers into the CPU (before this vCPU's guest runs again); FP traps again
    /// unless the FP unit holds this vCPU's registers.
    pub fn restore(&self) {
        self.fp.guard();
        // SAFETY: writes EL1 registers at EL2; they take effect only in the guest, which is
        // entered after this (the `isb` at the end orders them before the `eret`).
        unsafe {
            asm!(
                "msr sctlr_el1, {0}", "msr cpacr_el1, {1}", "msr ttbr0_el1, {2}", "msr ttbr1_el1, {3}",
                "msr tcr_el1, {4}", "msr mair_el1, {5}", "msr amair_el1, {6}", "msr vbar_el1, {7}",
                in(reg) self.sctlr, in(reg) self.cpacr, in(reg) self.ttbr0, in(reg) self.ttbr1,
                in(reg) self.tcr, in(reg) self.mair, in(reg) self.amair, in(reg) self.vbar,
                options(nomem, nostack)
            );
            asm!(
                "msr contextidr_el1, {0}", "msr esr_el1, {1}", "msr far_el1, {2}", "msr afsr0_el1, {3}",
                "msr afsr1_el1, {4}", "msr par_el1, {5}", "msr tpidr_el0, {6}", "msr tpidrro_el0, {7}",
                in(reg) self.contextidr, in(reg) self.esr, in(reg) self.far, in(reg) self.afsr0,
                in(reg) self.afsr1, in(reg) self.par, in(reg) self.tpidr_el0, in(reg) self.tpidrro_el0,
                options(nomem, nostack)
            );
            asm!(
                "msr tpidr_el1, {0}", "msr cntkctl_el1, {1}", "msr sp_el1, {2}", "msr elr_el1, {3}",
                "msr spsr_el1, {4}", "msr csselr_el1, {5}", "msr cntv_cval_el0, {7}", "msr cntv_ctl_el0, {6}",
                "msr vmpidr_el2, {8}",
                "isb",
                in(reg) self.tpidr_el1, in(reg) self.cntkctl, in(reg) self.sp_el1, in(reg) self.elr_el1,
                in(reg) self.spsr_el1, in(reg) self.csselr, in(reg) self.cntv_ctl, in(reg) self.cntv_cval,
                in(reg) self.vmpidr,
                options(nomem, nostack)
            );
        }
    }
}

impl GuestState for GuestContext {
    fn reset() -> Self {
        GuestContext::reset()
    }

    fn save(&mut self) {
        GuestContext::save(self)
    }

    fn restore(&self) {
        GuestContext::restore(self)
    }

    fn stop_timer() {
        GuestContext::stop_timer()
    }

    fn mask_live_timer() {
        GuestContext::mask_live_timer()
    }

    fn set_cpu_number(&mut self, cpu: u8) {
        self.vmpidr = crate::arch::hypervisor::guest_exit::guest_mpidr(cpu);
    }
}

/// SPSR for a guest's first instruction: EL1h (AArch64, SP_EL1), DAIF masked, as out of reset.
pub const SPSR_EL1H_MASKED: u64 = 0x3c5;

/// Leaves the hypervisor for the guest whose EL1 registers and stage 2 are loaded: the current
/// (vCPU) thread continues at guest `pc` in EL1h with `x0`, `x1` set and every other general
/// register zero. It comes back only through exceptions to EL2, on this thread's stack.
pub fn enter_guest(pc: u64, x0: u64, x1: u64) -> ! {
    // SAFETY: `eret` to EL1 with stage 2 and the EL2 traps in force cannot reach beyond the
    // VM's grants; SP_EL2 stays this thread's stack, where the guest's exits will land.
    unsafe {
        asm!(
            "msr daifset, #2",
            "msr elr_el2, x10",
            "msr spsr_el2, x11",
            "msr sp_el0, xzr",
            "mov x0, x12",
            "mov x1, x13",
            "mov x2, xzr", "mov x3, xzr", "mov x4, xzr", "mov x5, xzr",
            "mov x6, xzr", "mov x7, xzr", "mov x8, xzr", "mov x9, xzr", "mov x10, xzr",
            "mov x11, xzr", "mov x12, xzr", "mov x13, xzr", "mov x14, xzr", "mov x15, xzr", "mov x16, xzr",
            "mov x17, xzr", "mov x18, xzr", "mov x19, xzr", "mov x20, xzr", "mov x21, xzr",
            "mov x22, xzr", "mov x23, xzr", "mov x24, xzr", "mov x25, xzr", "mov x26, xzr",
            "mov x27, xzr", "mov x28, xzr", "mov x29, xzr", "mov x30, xzr",
            "eret",
            in("x10") pc,
            in("x11") SPSR_EL1H_MASKED,
            in("x12") x0,
            in("x13") x1,
            options(noreturn)
        )
    }
}

/// Reads HPFAR_EL2: the IPA page of a stage-2 fault.
pub fn faulting_ipa_page() -> u64 {
    let hpfar: u64;
    // SAFETY: reads a syndrome register at EL2.
    unsafe { asm!("mrs {0}, hpfar_el2", out(reg) hpfar, options(nomem, nostack)) };
    ((hpfar >> 4) & 0xff_ffff_ffff) << 12
}

/// A trapped MSR/MRS (exception class 0x18), from its syndrome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemRegisterAccess {
    pub op0: u8,
    pub op1: u8,
    pub crn: u8,
    pub crm: u8,
    pub op2: u8,
    /// The general register read into or written from (31: the zero register).
    pub register: u8,
    /// An MRS (the guest reads the register).
    pub read: bool,
}

impl SystemRegisterAccess {
    /// The access an ESR_EL2 of class 0x18 describes (ISS: Op0 21:20, Op2 19:17, Op1 16:14,
    /// CRn 13:10, Rt 9:5, CRm 4:1, direction 0).
    pub fn decode(esr: u64) -> SystemRegisterAccess {
        let field = |shift: u32, bits: u32| ((esr >> shift) & ((1 << bits) - 1)) as u8;
        SystemRegisterAccess {
            op0: field(20, 2),
            op2: field(17, 3),
            op1: field(14, 3),
            crn: field(10, 4),
            register: field(5, 5),
            crm: field(1, 4),
            read: esr & 1 != 0,
        }
    }

    /// A debug register (Op0 = 2: breakpoints, watchpoints, MDSCR_EL1, the OS lock, the debug
    /// communication channel), which MDCR_EL2.TDA/TDOSA/TDRA trap.
    pub fn is_debug(&self) -> bool {
        self.op0 == 2
    }

    /// A performance-monitor register (PMCR_EL0..PMUSERENR_EL0, PMINTEN*, PMEVCNTR/TYPER,
    /// PMCCFILTR), which MDCR_EL2.TPM/TPMCR trap.
    pub fn is_pmu(&self) -> bool {
        self.op0 == 3 && ((self.crn == 9 && (12..=14).contains(&self.crm)) || (self.crn == 14 && self.crm >= 8))
    }
}
