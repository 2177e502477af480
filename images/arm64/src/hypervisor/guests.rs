//! The guest images this hypervisor image carries, built by `cargo xtask` for AArch64 EL1: the
//! bare test guest in the directory WELLS_GUESTS_64 names, the supervisor image in the file
//! WELLS_GUEST_SUPERVISOR_64 names.

/// The bare test guest (`images/bare-guest`).
pub const BARE: &[u8] = include_bytes!(concat!(env!("WELLS_GUESTS_64"), "/wells-bare-guest"));

/// The arm64 supervisor's demo (this crate with features `supervisor,user32`), the image that runs
/// natively: wells at EL1 with a 64-bit sensor and filter task and a 32-bit logger task at EL0.
/// It finds out at boot that it runs in a VM only to end through PSCI.
pub const SUPERVISOR: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_64"));

/// The arm64 supervisor's SMP demo (`wells-smp-demo`, feature `smp`: the bring-up checks, then
/// one kernel's threads spread over every CPU), run by the test image in a VM with two vCPUs. Not carried below the wells monitor.
#[cfg(not(feature = "normal-world"))]
pub const SMP: Option<&[u8]> = Some(include_bytes!(env!("WELLS_GUEST_SMP_64")));
#[cfg(feature = "normal-world")]
pub const SMP: Option<&[u8]> = None;

/// The arm64 supervisor's benchmark image (feature `user`), run as a guest by the
/// hypervisor's own benchmark to compare with its native run.
#[cfg(feature = "bench")]
pub const SUPERVISOR_BENCH: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_BENCH_64"));

/// Debian's arm64 Linux kernel and a busybox initramfs, as one bundle (`cargo xtask linux-guest`
/// writes it; `wells_board_common::hypervisor` boots it with a device tree of its own).
#[cfg(feature = "linux-guest")]
pub const LINUX: &[u8] = include_bytes!(env!("WELLS_GUEST_LINUX_64"));

/// Below the wells monitor: the full stack's guest, the arm64 supervisor with features
/// `user32,full-stack-guest` (its demo runs `systems/arm64-full-stack-guest.toml`: the demo's
/// tasks and a client of the secure service).
#[cfg(feature = "normal-world")]
pub const FULL_STACK_GUEST: &[u8] = include_bytes!(env!("WELLS_GUEST_FULL_STACK_64"));
