//! HYP mode for a hypervisor on ARMv7-A with the virtualization extensions (Cortex-A15): the
//! CPU port when wells runs in HYP mode ([`ArmHyp`]), setting up the traps a VMM needs, the
//! hypervisor's own timer (CNTHP), stage-2 translation ([`stage2`]), HYP's exception vectors
//! ([`exceptions`]) and the guest side of a vCPU ([`guest`]).
//!
//! The hypervisor runs with its HYP MMU off (physical addresses). Guests are PL1/PL0 software
//! with the coprocessors (FP/SIMD) trapped: their FP registers are not switched, so a guest
//! touching them is stopped instead of reading another guest's values.

pub mod exceptions;
pub mod guest;
pub mod stage2;

use super::Armv7a;
use crate::arch::Arch;
use core::arch::asm;

pub use exceptions::{set_hyp_fast_call_handler, set_hyp_trap_handler, HypFastCallHandler, HypFastCallRegisters, HypFrame, HypTrapKind};

/// An ARMv7-A CPU running the kernel in HYP mode: the same switch and interrupt mask as in SVC
/// mode; a domain's address space token is its VTTBR value's table address and VMID (packed by
/// [`stage2::Stage2::token`]).
pub struct ArmHyp;

impl Arch for ArmHyp {
    const MIN_STACK: usize = Armv7a::MIN_STACK;

    fn irq_save(&self) -> bool {
        Armv7a.irq_save()
    }

    fn irq_restore(&self, were_enabled: bool) {
        Armv7a.irq_restore(were_enabled)
    }

    fn cpu_id(&self) -> usize {
        Armv7a.cpu_id()
    }

    fn init_stack(&self, stack: &mut [u8], entry: crate::arch::ThreadEntry, arg: usize) -> usize {
        Armv7a.init_stack(stack, entry, arg)
    }

    const PASSES_SWITCH_TOKEN: bool = Armv7a::PASSES_SWITCH_TOKEN;

    #[inline(always)]
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, token: usize) -> usize {
        // SAFETY: forwarded contract of `Arch::switch`; the switch code is mode-independent.
        unsafe { Armv7a.switch(save_sp, next_sp, token) }
    }

    /// `space` is a VM's stage-2 token; 0 (the hypervisor's own threads) leaves the last VM's.
    fn switch_space(&self, space: usize) {
        if space != 0 {
            stage2::activate(space);
        }
    }
}

/// HCR while guests run: stage 2 on (VM), set/way invalidation as clean (SWIO), physical
/// FIQ/IRQ/asynchronous aborts to HYP (FMO/IMO/AMO), WFI and WFE trapped (TWI/TWE), SMC
/// trapped (TSC).
pub const HCR_GUESTS: u32 = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 13) | (1 << 14) | (1 << 19);

/// HSCTLR: RES1 bits, instruction cache on, MMU and data cache off, no alignment checks,
/// exceptions taken in A32 (TE clear).
const HSCTLR: u32 = 0x30c5_1830;

/// HCPTR: every coprocessor access of a guest traps (TCP0..TCP13, so FP/SIMD: TCP10/TCP11).
const HCPTR_TRAP_ALL: u32 = 0x3fff;

/// CNTHCTL: PL1 may read the physical counter (PL1PCTEN); its physical timer traps (PL1PCEN
/// clear) — the CPU's timers are the hypervisor's and the guests' virtual one.
const CNTHCTL: u32 = 1;

/// PMXEVTYPER of the cycle counter (PMSELR = 31): NSH, count in HYP mode as well, so a guest
/// that measures itself sees what its exits cost.
const PMCCFILTR_COUNT_HYP: u32 = 1 << 27;

/// HDCR: guests' debug registers trap (TDA, TDOSA, TDRA): hardware breakpoints and
/// watchpoints are shared by every VM and are not switched.
const HDCR_TRAP_DEBUG: u32 = (1 << 9) | (1 << 10) | (1 << 11);
/// HDCR: guests' performance monitors trap too (TPM, TPMCR): the PMU is one for all VMs.
const HDCR_TRAP_PMU: u32 = (1 << 5) | (1 << 6);

/// Configures HYP mode for running guests: traps, stage-2 translation control, timers, no
/// coprocessors for guests, debug registers trapped, virtual IDs, a cycle counter that counts
/// in HYP. With `shared_pmu`, guests may use the performance monitors (one for all VMs: only
/// for benchmarks); otherwise those accesses trap like the debug registers'. Touches only HYP
/// registers (and the cycle counter's filter); call once in HYP mode before the first guest.
pub fn establish(shared_pmu: bool) {
    let pmcr: u32;
    // SAFETY: reads PMCR for its number of counters (N, bits 15:11).
    unsafe { asm!("mrc p15, 0, {0}, c9, c12, 0", out(reg) pmcr, options(nomem, nostack)) };
    let hdcr = ((pmcr >> 11) & 0x1f) | HDCR_TRAP_DEBUG | if shared_pmu { 0 } else { HDCR_TRAP_PMU };
    // SAFETY: HYP control registers only; the hypervisor itself runs in HYP with its MMU off,
    // which none of these change. Stage 2 and the traps act on PL1/PL0 only.
    unsafe {
        asm!(
            ".arch_extension virt",
            "mcr p15, 4, {hsctlr}, c1, c0, 0",
            "mcr p15, 4, {hcr}, c1, c1, 0",
            "mcr p15, 4, {vtcr}, c2, c1, 2",
            "mcr p15, 4, {hcptr}, c1, c1, 2",
            "mcr p15, 4, {zero}, c1, c1, 3",
            "mcr p15, 4, {cnthctl}, c14, c1, 0",
            "mcrr p15, 4, {zero}, {zero}, c14",
            "mcrr p15, 6, {zero}, {zero}, c2",
            "mcr p15, 0, {select}, c9, c12, 5",
            "mcr p15, 0, {filter}, c9, c13, 1",
            "mcr p15, 4, {hdcr}, c1, c1, 1",
            "mrc p15, 0, {scratch}, c0, c0, 0",
            "mcr p15, 4, {scratch}, c0, c0, 0",
            "mrc p15, 0, {scratch}, c0, c0, 5",
            "mcr p15, 4, {scratch}, c0, c0, 5",
            "isb",
            hsctlr = in(reg) HSCTLR,
            hcr = in(reg) HCR_GUESTS,
            vtcr = in(reg) stage2::VTCR,
            hcptr = in(reg) HCPTR_TRAP_ALL,
            zero = in(reg) 0u32,
            cnthctl = in(reg) CNTHCTL,
            select = in(reg) 31u32,
            filter = in(reg) PMCCFILTR_COUNT_HYP,
            hdcr = in(reg) hdcr,
            scratch = out(reg) _,
            options(nostack)
        )
    };
}

/// HCR, VTCR and HCPTR as the CPU has them: what the console reports.
pub fn controls() -> (u32, u32, u32) {
    let (hcr, vtcr, hcptr): (u32, u32, u32);
    // SAFETY: reads HYP control registers.
    unsafe {
        asm!(
            ".arch_extension virt",
            "mrc p15, 4, {hcr}, c1, c1, 0",
            "mrc p15, 4, {vtcr}, c2, c1, 2",
            "mrc p15, 4, {hcptr}, c1, c1, 2",
            hcr = out(reg) hcr,
            vtcr = out(reg) vtcr,
            hcptr = out(reg) hcptr,
            options(nomem, nostack)
        )
    };
    (hcr, vtcr, hcptr)
}

/// Reads the physical counter (CNTPCT) and its frequency: the hypervisor's clock.
pub fn counter() -> (u64, u64) {
    let (low, high, frequency): (u32, u32, u32);
    // SAFETY: reads counter registers, always accessible in HYP.
    unsafe {
        asm!(
            "isb",
            "mrrc p15, 0, {0}, {1}, c14",
            "mrc p15, 0, {2}, c14, c0, 0",
            out(reg) low, out(reg) high, out(reg) frequency,
            options(nomem, nostack)
        )
    };
    (((high as u64) << 32) | low as u64, frequency as u64)
}

/// Programs the HYP physical timer (CNTHP, PPI 26) to fire at counter value `compare`.
pub fn hyp_timer_arm(compare: u64) {
    // SAFETY: writes CNTHP_CVAL and CNTHP_CTL, which only raise the HYP timer's interrupt.
    unsafe {
        asm!(
            "mcrr p15, 6, {0}, {1}, c14",
            "mcr p15, 4, {2}, c14, c2, 1",
            "isb",
            in(reg) compare as u32, in(reg) (compare >> 32) as u32, in(reg) 1u32,
            options(nomem, nostack)
        )
    };
}

/// Stops the HYP physical timer (its interrupt line drops).
pub fn hyp_timer_cancel() {
    // SAFETY: as above; IMASK | !ENABLE silences it.
    unsafe { asm!("mcr p15, 4, {0}, c14, c2, 1", "isb", in(reg) 2u32, options(nomem, nostack)) };
}

/// Records the save area of the vCPU whose guest runs next (HTPIDR, which nothing else in HYP
/// uses): an exit of that guest finds its vCPU there.
pub fn set_vcpu_pointer(vcpu: usize) {
    // SAFETY: HTPIDR is a scratch register for HYP software; nothing else reads it.
    unsafe { asm!("mcr p15, 4, {0}, c13, c0, 2", in(reg) vcpu as u32, options(nomem, nostack)) };
}

/// The save area [`set_vcpu_pointer`] recorded.
pub fn vcpu_pointer() -> usize {
    let vcpu: u32;
    // SAFETY: reads HTPIDR.
    unsafe { asm!("mrc p15, 4, {0}, c13, c0, 2", out(reg) vcpu, options(nomem, nostack)) };
    vcpu as usize
}

impl crate::arch::hypervisor::HypervisorCpu for ArmHyp {
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

    /// A 32-bit guest: the entry point and arguments are 32-bit values.
    fn enter_guest(vcpu: usize, pc: u64, r0: u64, r1: u64) -> ! {
        set_vcpu_pointer(vcpu);
        guest::enter_guest(pc as u32, r0 as u32, r1 as u32)
    }
}
