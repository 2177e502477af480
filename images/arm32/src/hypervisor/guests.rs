//! The guest images this hypervisor image carries, built by `cargo xtask` for ARMv7-A: the
//! bare test guest in the directory WELLS_GUESTS_32 names, the supervisor image in the file
//! WELLS_GUEST_SUPERVISOR_32 names.

/// The bare test guest (`images/bare-guest`, built for `armv7a-none-eabi`).
pub const BARE: &[u8] = include_bytes!(concat!(env!("WELLS_GUESTS_32"), "/wells-bare-guest"));

/// The Cortex-A15 supervisor's demo (this crate with features `qemu-virt,supervisor,user`), the image that
/// runs natively: wells in SVC mode with a sensor, a filter and a logger task in USR mode. It
/// finds out at boot that it runs in a VM only to end through PSCI.
pub const SUPERVISOR: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_32"));

/// An SMP kernel image to run in a VM with two vCPUs: none carried here yet.
pub const SMP: Option<&[u8]> = None;

/// The Cortex-A15 supervisor's benchmark image (feature `user`), run as a guest by the
/// hypervisor's own benchmark to compare with its native run.
#[cfg(feature = "bench")]
pub const SUPERVISOR_BENCH: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_BENCH_32"));
