//! The guest side of a vCPU on ARMv7: the PL1 registers a guest owns (system registers and the
//! banked registers of its modes, switched when another vCPU runs), entering a guest for the
//! first time, and the faulting IPA of an exit (the syndrome's other parts are decoded by
//! `arch::hypervisor::guest_exit`).

pub use crate::arch::hypervisor::guest_exit::{instruction_length, GuestState, MmioAccess};
use core::arch::asm;

/// Reads a 32-bit CP15 register.
macro_rules! mrc {
    ($op1:literal, $crn:literal, $crm:literal, $op2:literal) => {{
        let value: u32;
        // SAFETY: reads a PL1 system register from HYP; no side effects.
        unsafe { asm!(concat!("mrc p15, ", $op1, ", {0}, ", $crn, ", ", $crm, ", ", $op2), out(reg) value, options(nomem, nostack)) };
        value
    }};
}

/// Writes a 32-bit CP15 register.
macro_rules! mcr {
    ($value:expr, $op1:literal, $crn:literal, $crm:literal, $op2:literal) => {{
        let value: u32 = $value;
        // SAFETY: writes a PL1 system register from HYP; it takes effect in the guest only.
        unsafe { asm!(concat!("mcr p15, ", $op1, ", {0}, ", $crn, ", ", $crm, ", ", $op2), in(reg) value, options(nomem, nostack)) };
    }};
}

/// Reads a 64-bit CP15 register.
macro_rules! mrrc {
    ($op1:literal, $crm:literal) => {{
        let (low, high): (u32, u32);
        // SAFETY: as for `mrc!`.
        unsafe { asm!(concat!("mrrc p15, ", $op1, ", {0}, {1}, ", $crm), out(reg) low, out(reg) high, options(nomem, nostack)) };
        ((high as u64) << 32) | low as u64
    }};
}

/// Writes a 64-bit CP15 register.
macro_rules! mcrr {
    ($value:expr, $op1:literal, $crm:literal) => {{
        let value: u64 = $value;
        // SAFETY: as for `mcr!`.
        unsafe { asm!(concat!("mcrr p15, ", $op1, ", {0}, {1}, ", $crm), in(reg) value as u32, in(reg) (value >> 32) as u32, options(nomem, nostack)) };
    }};
}

/// Reads a banked register of another mode (`sp_svc`, `spsr_irq`, `r8_fiq`...).
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

/// The PL1 state of one vCPU. Its r0-r12, USR link register and return state are in the trap
/// frame on the vCPU thread's stack; coprocessors (FP/SIMD) are trapped (see `hyp`).
#[repr(C)]
#[derive(Debug, Clone, Default)]
pub struct GuestContext {
    pub sctlr: u32,
    pub cpacr: u32,
    pub ttbr0: u64,
    pub ttbr1: u64,
    pub ttbcr: u32,
    pub dacr: u32,
    pub dfsr: u32,
    pub ifsr: u32,
    pub dfar: u32,
    pub ifar: u32,
    pub par: u64,
    pub prrr: u32,
    pub nmrr: u32,
    pub vbar: u32,
    pub contextidr: u32,
    pub tpidrurw: u32,
    pub tpidruro: u32,
    pub tpidrprw: u32,
    pub cntkctl: u32,
    pub csselr: u32,
    pub cntv_ctl: u32,
    pub cntv_cval: u64,
    /// What the guest reads as MPIDR (VMPIDR): its CPU number in the VM.
    pub vmpidr: u32,
    /// SP_usr, then SP, LR and SPSR of SVC, ABT, UND, IRQ.
    pub sp_usr: u32,
    pub svc: [u32; 3],
    pub abt: [u32; 3],
    pub und: [u32; 3],
    pub irq: [u32; 3],
    /// r8-r12, SP, LR and SPSR of FIQ mode.
    pub fiq: [u32; 8],
}

/// SCTLR out of reset: RES1 bits, MMU and caches off.
const SCTLR_RESET: u32 = 0x00c5_0878;

impl GuestContext {
    /// CNTV_CTL.IMASK: the hypervisor masks a guest's timer when it injects its interrupt (the
    /// guest unmasks it when it programs the timer again, as timer drivers do).
    pub const TIMER_IMASK: u32 = 1 << 1;

    /// The registers of a vCPU coming out of reset.
    pub fn reset() -> GuestContext {
        GuestContext { sctlr: SCTLR_RESET, vmpidr: crate::arch::hypervisor::guest_exit::guest_mpidr(0) as u32, ..GuestContext::default() }
    }

    /// Saves the guest registers the CPU holds. The guest's virtual timer keeps running until
    /// [`GuestContext::stop_timer`].
    pub fn save(&mut self) {
        self.sctlr = mrc!(0, "c1", "c0", 0);
        self.cpacr = mrc!(0, "c1", "c0", 2);
        self.ttbr0 = mrrc!(0, "c2");
        self.ttbr1 = mrrc!(1, "c2");
        self.ttbcr = mrc!(0, "c2", "c0", 2);
        self.dacr = mrc!(0, "c3", "c0", 0);
        self.dfsr = mrc!(0, "c5", "c0", 0);
        self.ifsr = mrc!(0, "c5", "c0", 1);
        self.dfar = mrc!(0, "c6", "c0", 0);
        self.ifar = mrc!(0, "c6", "c0", 2);
        self.par = mrrc!(0, "c7");
        self.prrr = mrc!(0, "c10", "c2", 0);
        self.nmrr = mrc!(0, "c10", "c2", 1);
        self.vbar = mrc!(0, "c12", "c0", 0);
        self.contextidr = mrc!(0, "c13", "c0", 1);
        self.tpidrurw = mrc!(0, "c13", "c0", 2);
        self.tpidruro = mrc!(0, "c13", "c0", 3);
        self.tpidrprw = mrc!(0, "c13", "c0", 4);
        self.cntkctl = mrc!(0, "c14", "c1", 0);
        self.csselr = mrc!(2, "c0", "c0", 0);
        self.cntv_ctl = mrc!(0, "c14", "c3", 1);
        self.cntv_cval = mrrc!(3, "c14");
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

    /// Loads these registers into the CPU (before this vCPU's guest runs again).
    pub fn restore(&self) {
        mcr!(self.sctlr, 0, "c1", "c0", 0);
        mcr!(self.cpacr, 0, "c1", "c0", 2);
        mcrr!(self.ttbr0, 0, "c2");
        mcrr!(self.ttbr1, 1, "c2");
        mcr!(self.ttbcr, 0, "c2", "c0", 2);
        mcr!(self.dacr, 0, "c3", "c0", 0);
        mcr!(self.dfsr, 0, "c5", "c0", 0);
        mcr!(self.ifsr, 0, "c5", "c0", 1);
        mcr!(self.dfar, 0, "c6", "c0", 0);
        mcr!(self.ifar, 0, "c6", "c0", 2);
        mcrr!(self.par, 0, "c7");
        mcr!(self.prrr, 0, "c10", "c2", 0);
        mcr!(self.nmrr, 0, "c10", "c2", 1);
        mcr!(self.vbar, 0, "c12", "c0", 0);
        mcr!(self.contextidr, 0, "c13", "c0", 1);
        mcr!(self.tpidrurw, 0, "c13", "c0", 2);
        mcr!(self.tpidruro, 0, "c13", "c0", 3);
        mcr!(self.tpidrprw, 0, "c13", "c0", 4);
        mcr!(self.cntkctl, 0, "c14", "c1", 0);
        mcr!(self.csselr, 2, "c0", "c0", 0);
        mcrr!(self.cntv_cval, 3, "c14");
        mcr!(self.cntv_ctl, 0, "c14", "c3", 1);
        mcr!(self.vmpidr, 4, "c0", "c0", 5);
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

    /// Stops the guest's virtual timer in the CPU once its state is saved: it must not fire
    /// for a guest that is not running. `restore` starts it again from the saved state. (An
    /// interrupt it raised must be acknowledged first, or it vanishes before it is read.)
    pub fn stop_timer() {
        mcr!(0, 0, "c14", "c3", 1);
    }

    /// The counter value at which the virtual timer the CPU holds will interrupt, when it is
    /// enabled and not masked.
    pub fn live_timer_deadline() -> Option<u64> {
        let ctl = mrc!(0, "c14", "c3", 1);
        (ctl & 1 != 0 && ctl & Self::TIMER_IMASK == 0).then(|| mrrc!(3, "c14"))
    }

    /// Masks the virtual timer the CPU holds (its interrupt line drops): the hypervisor took
    /// its interrupt for the guest.
    pub fn mask_live_timer() {
        let ctl = mrc!(0, "c14", "c3", 1);
        mcr!(ctl | Self::TIMER_IMASK, 0, "c14", "c3", 1);
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
        self.vmpidr = crate::arch::hypervisor::guest_exit::guest_mpidr(cpu) as u32;
    }
}

/// SPSR for a guest's first instruction: SVC mode, A32, asynchronous aborts, IRQ and FIQ masked
/// (as out of reset).
pub const SPSR_SVC_MASKED: u32 = 0x1d3;

/// Where and how a guest starts at entry point `pc`: an odd address is T32 code (the ELF
/// convention), entered with SPSR.T set at the even address.
pub fn entry_state(pc: u32) -> (u32, u32) {
    if pc & 1 != 0 {
        (pc & !1, SPSR_SVC_MASKED | (1 << 5))
    } else {
        (pc, SPSR_SVC_MASKED)
    }
}

/// Leaves the hypervisor for the guest whose PL1 registers and stage 2 are loaded: the current
/// (vCPU) thread continues at guest `pc` (see [`entry_state`]) in SVC mode with `r0`, `r1` set and every other
/// general register zero. It comes back only through exceptions to HYP, on this thread's stack.
pub fn enter_guest(pc: u32, r0: u32, r1: u32) -> ! {
    let (pc, spsr) = entry_state(pc);
    // SAFETY: `eret` to SVC with stage 2 and the HYP traps in force cannot reach beyond the
    // VM's grants; HYP's stack pointer stays this thread's stack, where the exits will land.
    unsafe {
        asm!(
            ".arch_extension virt",
            "cpsid i",
            "msr elr_hyp, r2",
            "msr spsr_cxsf, r3",
            "mov r2, #0", "mov r3, #0", "mov r4, #0", "mov r5, #0", "mov r6, #0", "mov r7, #0",
            "mov r8, #0", "mov r9, #0", "mov r10, #0", "mov r11, #0", "mov r12, #0", "mov lr, #0",
            "eret",
            in("r0") r0,
            in("r1") r1,
            in("r2") pc,
            in("r3") spsr,
            options(noreturn)
        )
    }
}

/// Reads HPFAR: the IPA page of a stage-2 fault.
pub fn faulting_ipa_page() -> u64 {
    let hpfar = mrc!(4, "c6", "c0", 4);
    ((hpfar as u64) >> 4) << 12
}
