//! The Cortex-R52 at EL2 (HYP mode) as a partitioning hypervisor: guests run at EL1 and EL0, each
//! in a partition fenced by the EL2 MPU ([`mpu`]), which with HCR.VM checks every EL1/EL0 access
//! as a second stage (an address in no enabled EL2 region, or one whose rights deny it, is a
//! data or prefetch abort taken to EL2). No address translation: a guest runs at the physical
//! addresses of its partition. Each guest owns the EL1 MPU, switched with its other EL1
//! registers ([`guest`]).
//!
//! The exception vectors, trap frame and syndrome are the A-profile HYP mode's
//! ([`crate::arch::arm::hyp::exceptions`]), and so is the hypervisor's timer (CNTHP,
//! [`crate::arch::arm::hyp::hyp_timer_arm`]): same AArch32 HYP mode.

pub mod guest;
pub mod mpu;
pub mod vgic;

use core::arch::asm;

pub use crate::arch::arm::hyp::{counter, hyp_timer_arm, hyp_timer_cancel, set_hyp_trap_handler, HypFrame, HypTrapKind};
pub use crate::arch::arm::hyp::exceptions::HypSyndrome;

/// HCR while partitions run: the EL2 MPU checks EL1/EL0 accesses (VM), set/way invalidation as
/// clean (SWIO), physical FIQ/IRQ/asynchronous aborts to EL2 (FMO/IMO/AMO), WFI and WFE trapped
/// (TWI/TWE), SMC trapped (TSC; the Cortex-R52 has no EL3, so SMC is undefined anyway and QEMU
/// reads the bit back as 0).
pub const HCR_PARTITIONS: u32 = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 13) | (1 << 14) | (1 << 19);

/// HCPTR: every coprocessor access of a guest traps (TCP0..TCP13, so FP/SIMD): FP registers are
/// not switched between partitions.
const HCPTR_TRAP_ALL: u32 = 0x3fff;

/// CNTHCTL: EL1 may read the physical counter (EL1PCTEN); its physical timer traps (EL1PCEN
/// clear): the CPU's timers are the hypervisor's (CNTHP) and the guests' virtual one.
const CNTHCTL: u32 = 1;

/// HDCR: guests' debug registers trap (TDA, TDOSA, TDRA): breakpoints and watchpoints are one
/// set for all partitions and are not switched.
const HDCR_TRAP_DEBUG: u32 = (1 << 9) | (1 << 10) | (1 << 11);

/// Configures EL2 for partitions: the traps (HCR, HCPTR, HDCR), the timers' access, no virtual
/// counter offset, guests see the CPU's own MIDR and MPIDR, then the EL2 MPU's attributes and
/// the MPU itself on ([`mpu::enable`]). The caller has written the hypervisor's own regions.
///
/// # Safety
/// In HYP mode; the EL2 MPU's enabled regions (or the background map, which EL2 keeps) must
/// cover what the hypervisor runs on.
pub unsafe fn establish() {
    // SAFETY: EL2 control registers; the traps and HCR.VM act on EL1/EL0 only.
    unsafe {
        asm!(
            ".arch_extension virt",
            "mcr p15, 4, {hcr}, c1, c1, 0",
            "mcr p15, 4, {hcptr}, c1, c1, 2",
            "mcr p15, 4, {zero}, c1, c1, 3",
            "mcr p15, 4, {cnthctl}, c14, c1, 0",
            "mcrr p15, 4, {zero}, {zero}, c14",
            "mcr p15, 4, {hdcr}, c1, c1, 1",
            "mrc p15, 0, {scratch}, c0, c0, 0",
            "mcr p15, 4, {scratch}, c0, c0, 0",
            "mrc p15, 0, {scratch}, c0, c0, 5",
            "mcr p15, 4, {scratch}, c0, c0, 5",
            "isb",
            hcr = in(reg) HCR_PARTITIONS,
            hcptr = in(reg) HCPTR_TRAP_ALL,
            zero = in(reg) 0u32,
            cnthctl = in(reg) CNTHCTL,
            hdcr = in(reg) HDCR_TRAP_DEBUG,
            scratch = out(reg) _,
            options(nostack)
        );
        mpu::enable();
    }
}

/// HCR as the CPU has it: what the console reports.
pub fn hcr() -> u32 {
    let hcr: u32;
    // SAFETY: reads HCR.
    unsafe { asm!(".arch_extension virt", "mrc p15, 4, {0}, c1, c1, 0", out(reg) hcr, options(nomem, nostack)) };
    hcr
}

/// True when the HYP timer's condition is met (CNTHP_CTL.ISTATUS): its window has ended.
pub fn hyp_timer_fired() -> bool {
    let ctl: u32;
    // SAFETY: reads CNTHP_CTL.
    unsafe { asm!("mrc p15, 4, {0}, c14, c2, 1", out(reg) ctl, options(nomem, nostack)) };
    ctl & (1 << 2) != 0
}
