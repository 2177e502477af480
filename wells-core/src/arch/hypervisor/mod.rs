//! What the hypervisor levels of every CPU (AArch64 EL2 in `aarch64/el2`, ARMv7 HYP in
//! `arm/hyp`) share: exit syndromes and the guest state trait ([`guest_exit`]: plain logic, built
//! everywhere so board-independent code can name them), and the long-descriptor stage-2 tables
//! ([`stage2`]).

pub mod guest_exit;
#[cfg(any(target_arch = "aarch64", all(target_arch = "arm", target_has_atomic = "64")))]
pub mod stage2;
