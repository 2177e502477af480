//! ARMv8-R AArch32 (Cortex-R52) port: the kernel runs at EL1 (SVC mode), user tasks at EL0 (USR
//! mode), isolated by the EL1 MPU (PMSAv8-32, `mpu.rs`) instead of an MMU.
//!
//! Everything else is the A-profile AArch32 port of [`super::arm`], reused as it is: the same
//! A32 instruction set, modes and banked registers, so the context switch, the interrupt mask,
//! the exception vectors (VBAR), the drop from HYP (EL2) to SVC and USR-mode entry are shared.
//! What differs is memory protection: no address spaces, so a domain's space token is the
//! address of its [`mpu::RegionSet`] and [`Arch::switch_space`] rewrites the task regions; no
//! guard pages (a thread stack's canary is checked at each switch instead); fault status
//! registers use the long-descriptor (PMSAv8) format ([`mpu::describe_fault`]).
//!
//! Built for `armv8r-none-eabihf`: the kernel never touches VFP registers (the FPU stays off,
//! so a stray VFP instruction traps as undefined instead of corrupting a task's registers).

pub mod counter;
pub mod el2;
pub mod mpu;

use super::arm::Armv7a;
use super::Arch;

/// An ARMv8-R AArch32 CPU running the kernel at EL1.
pub struct Armv8r;

impl Arch for Armv8r {
    const MIN_STACK: usize = <Armv7a as Arch>::MIN_STACK;

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
        // SAFETY: forwarded contract of `Arch::switch`; same registers, same instruction set.
        unsafe { Armv7a.switch(save_sp, next_sp, token) }
    }

    /// `space` is the address of the domain's [`mpu::RegionSet`] (0: the kernel's, no task
    /// regions).
    fn switch_space(&self, space: usize) {
        mpu::activate(space);
    }
}
