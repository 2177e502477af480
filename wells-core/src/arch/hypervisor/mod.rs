//! What the hypervisor levels of every CPU (AArch64 EL2 in `aarch64/el2`, ARMv7 HYP in
//! `arm/hyp`) share: exit syndromes and the guest state trait ([`guest_exit`]: plain logic, built
//! everywhere so board-independent code can name them), and the long-descriptor stage-2 tables
//! ([`stage2`]).

pub mod guest_exit;
#[cfg(any(target_arch = "aarch64", all(target_arch = "arm", target_has_atomic = "64")))]
pub mod stage2;

/// What a hypervisor image needs from its CPU at the hypervisor level, the same on every CPU so
/// that the image code over it is written once (`images/common`'s `hypervisor_platform!`).
pub trait HypervisorCpu: super::Arch {
    /// Waits for an interrupt.
    fn wait_for_interrupt();
    /// The physical counter and its frequency: the hypervisor's clock.
    fn counter() -> (u64, u64);
    /// Programs the hypervisor's own timer to fire at counter value `compare`.
    fn timer_arm(compare: u64);
    /// Stops the hypervisor's timer.
    fn timer_cancel();
    /// Leaves for the guest of the current vCPU thread at `pc` with the first two argument
    /// registers set, recording `vcpu` (its save area) where the exit path finds it.
    fn enter_guest(vcpu: usize, pc: u64, arg0: u64, arg1: u64) -> !;
}
