//! EL2 for a hypervisor: the CPU port when wells runs at EL2 ([`Aarch64El2`]), setting up the
//! traps a VMM needs, the hypervisor's own timer (CNTHP), stage-2 translation ([`stage2`]) and
//! the guest side of a vCPU ([`guest`]: EL1 registers, entering a guest, decoding its exits).
//!
//! The hypervisor runs with its own stage-1 MMU off (EL2 sees physical addresses). Guests are
//! AArch64 EL1 software; their FP/SIMD registers are switched lazily on their first use
//! ([`fp`]).

pub mod fp;
pub mod guest;
pub mod stage2;

use super::Aarch64;
use crate::arch::Arch;
use core::arch::asm;

/// An AArch64 CPU running the kernel at EL2: the same switch and interrupt mask as at EL1; a
/// domain's address space token is its VTTBR_EL2 value (stage-2 tables and VMID).
pub struct Aarch64El2;

impl Arch for Aarch64El2 {
    const MIN_STACK: usize = Aarch64::MIN_STACK;

    fn irq_save(&self) -> bool {
        Aarch64.irq_save()
    }

    fn irq_restore(&self, were_enabled: bool) {
        Aarch64.irq_restore(were_enabled)
    }

    fn cpu_id(&self) -> usize {
        Aarch64.cpu_id()
    }

    fn init_stack(&self, stack: &mut [u8], entry: crate::arch::ThreadEntry, arg: usize) -> usize {
        Aarch64.init_stack(stack, entry, arg)
    }

    const PASSES_SWITCH_TOKEN: bool = Aarch64::PASSES_SWITCH_TOKEN;

    #[inline(always)]
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, token: usize) -> usize {
        // SAFETY: forwarded contract of `Arch::switch`; the switch code is level-independent.
        unsafe { Aarch64.switch(save_sp, next_sp, token) }
    }

    /// `space` is a VTTBR_EL2 value; 0 (the hypervisor's own threads) leaves the last VM's.
    fn switch_space(&self, space: usize) {
        if space != 0 {
            stage2::activate(space as u64);
        }
    }
}

/// HCR_EL2 while guests run: stage 2 on (VM), set/way invalidation as clean (SWIO), physical
/// FIQ/IRQ/SError to EL2 (FMO/IMO/AMO), WFI and WFE trapped (TWI/TWE), SMC trapped (TSC),
/// EL1 is AArch64 (RW).
pub const HCR_GUESTS: u64 = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 13) | (1 << 14) | (1 << 19) | (1 << 31);

/// SCTLR_EL2: RES1 bits, instruction cache on, MMU and data cache off, no alignment checks.
const SCTLR_EL2: u64 = 0x30c5_1830;

/// CPTR_EL2: RES1 bits plus TFP (bit 10): guest FP/SIMD traps to EL2 until a guest claims the
/// FP unit ([`fp`]).
const CPTR_EL2_TRAP_FP: u64 = 0x33ff | (1 << 10);

/// CNTHCTL_EL2: EL1 may read the physical counter (EL1PCTEN); its physical timer traps
/// (EL1PCEN clear) — the CPU's timers are the hypervisor's and the guests' virtual one.
const CNTHCTL_EL2: u64 = 1;

/// PMCCFILTR_EL0.NSH: the cycle counter also counts at EL2, so a guest that measures itself
/// with it sees what its exits to the hypervisor cost.
const PMCCFILTR_COUNT_EL2: u64 = 1 << 27;

/// MDCR_EL2: guests' debug registers trap (TDA, TDOSA, TDRA): hardware breakpoints and
/// watchpoints are shared by every VM and are not switched.
const MDCR_TRAP_DEBUG: u64 = (1 << 9) | (1 << 10) | (1 << 11);
/// MDCR_EL2: guests' performance monitors trap too (TPM, TPMCR): the PMU is one for all VMs.
const MDCR_TRAP_PMU: u64 = (1 << 5) | (1 << 6);

/// Configures EL2 for running guests: traps, stage-2 translation control, timers, no FP for
/// guests, debug registers trapped, virtual IDs, a cycle counter that counts at EL2. With
/// `shared_pmu`, guests may use the performance monitors (one for all VMs: only for
/// benchmarks); otherwise those accesses trap like the debug registers'. Call once at EL2
/// before the first guest runs.
pub fn establish(shared_pmu: bool) {
    let pmcr: u64;
    // SAFETY: reads PMCR_EL0 for its number of counters (N, bits 15:11).
    unsafe { asm!("mrs {0}, pmcr_el0", out(reg) pmcr, options(nomem, nostack)) };
    let counters = (pmcr >> 11) & 0x1f;
    let mdcr = counters | MDCR_TRAP_DEBUG | if shared_pmu { 0 } else { MDCR_TRAP_PMU };
    // SAFETY: EL2 control registers (and the cycle counter's filter) only; the hypervisor itself
    // runs at EL2 with its MMU off, which none of these change. Stage 2 and the traps act on
    // EL1/EL0 only.
    unsafe {
        asm!(
            "msr sctlr_el2, {sctlr}",
            "msr hcr_el2, {hcr}",
            "msr vtcr_el2, {vtcr}",
            "msr cptr_el2, {cptr}",
            "msr hstr_el2, xzr",
            "msr cnthctl_el2, {cnthctl}",
            "msr cntvoff_el2, xzr",
            "msr vttbr_el2, xzr",
            "msr pmccfiltr_el0, {pmccfiltr}",
            "msr mdcr_el2, {mdcr}",
            "mrs {scratch}, midr_el1",
            "msr vpidr_el2, {scratch}",
            "mrs {scratch}, mpidr_el1",
            "msr vmpidr_el2, {scratch}",
            "isb",
            sctlr = in(reg) SCTLR_EL2,
            hcr = in(reg) HCR_GUESTS,
            vtcr = in(reg) stage2::VTCR,
            cptr = in(reg) CPTR_EL2_TRAP_FP,
            cnthctl = in(reg) CNTHCTL_EL2,
            pmccfiltr = in(reg) PMCCFILTR_COUNT_EL2,
            mdcr = in(reg) mdcr,
            scratch = out(reg) _,
            options(nostack)
        )
    };
}

/// HCR_EL2, VTCR_EL2 and CPTR_EL2 as the CPU has them: what the console reports.
pub fn controls() -> (u64, u64, u64) {
    let (hcr, vtcr, cptr): (u64, u64, u64);
    // SAFETY: reads EL2 control registers.
    unsafe {
        asm!(
            "mrs {hcr}, hcr_el2",
            "mrs {vtcr}, vtcr_el2",
            "mrs {cptr}, cptr_el2",
            hcr = out(reg) hcr,
            vtcr = out(reg) vtcr,
            cptr = out(reg) cptr,
            options(nomem, nostack)
        )
    };
    (hcr, vtcr, cptr)
}

/// Reads the physical counter (CNTPCT_EL0) and its frequency: the hypervisor's clock.
pub fn counter() -> (u64, u64) {
    let (count, frequency): (u64, u64);
    // SAFETY: reads counter registers, always accessible at EL2.
    unsafe {
        asm!("isb", "mrs {0}, cntpct_el0", "mrs {1}, cntfrq_el0", out(reg) count, out(reg) frequency, options(nomem, nostack))
    };
    (count, frequency)
}

/// Programs the EL2 physical timer (CNTHP, PPI 26) to fire at counter value `compare`.
pub fn hyp_timer_arm(compare: u64) {
    // SAFETY: writes the EL2 physical timer, which only raises its own interrupt.
    unsafe { asm!("msr cnthp_cval_el2, {0}", "mov {1}, #1", "msr cnthp_ctl_el2, {1}", "isb", in(reg) compare, out(reg) _, options(nomem, nostack)) };
}

/// Stops the EL2 physical timer (its interrupt line drops).
pub fn hyp_timer_cancel() {
    // SAFETY: as above; IMASK | !ENABLE silences it.
    unsafe { asm!("msr cnthp_ctl_el2, {0}", "isb", in(reg) 2u64, options(nomem, nostack)) };
}

/// Records the save area of the vCPU whose guest runs next (TPIDR_EL2, which nothing else at
/// EL2 uses): an exit of that guest finds its vCPU there.
pub fn set_vcpu_pointer(vcpu: usize) {
    // SAFETY: TPIDR_EL2 is a scratch register for EL2 software; nothing else reads it.
    unsafe { asm!("msr tpidr_el2, {0}", in(reg) vcpu as u64, options(nomem, nostack)) };
}

/// The save area [`set_vcpu_pointer`] recorded.
pub fn vcpu_pointer() -> usize {
    let vcpu: u64;
    // SAFETY: reads TPIDR_EL2.
    unsafe { asm!("mrs {0}, tpidr_el2", out(reg) vcpu, options(nomem, nostack)) };
    vcpu as usize
}

impl crate::arch::hypervisor::HypervisorCpu for Aarch64El2 {
    fn wait_for_interrupt() {
        super::wait_for_interrupt();
    }

    fn counter() -> (u64, u64) {
        counter()
    }

    fn timer_arm(compare: u64) {
        hyp_timer_arm(compare);
    }

    fn timer_cancel() {
        hyp_timer_cancel();
    }

    fn enter_guest(vcpu: usize, pc: u64, x0: u64, x1: u64) -> ! {
        set_vcpu_pointer(vcpu);
        guest::enter_guest(pc, x0, x1)
    }
}
