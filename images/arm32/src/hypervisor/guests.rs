//! The guest images this hypervisor image carries, built by `cargo xtask` for ARMv7-A: the
//! bare test guest in the directory WELLS_GUESTS_32 names, the supervisor image in the file
//! WELLS_GUEST_SUPERVISOR_32 names.

/// The bare test guest (`images/bare-guest`, built for `armv7a-none-eabi`).
pub const BARE: &[u8] = include_bytes!(concat!(env!("WELLS_GUESTS_32"), "/wells-bare-guest"));

/// The Cortex-A15 supervisor's demo (this crate with features `qemu-virt,supervisor,user`), the image that
/// runs natively: wells in SVC mode with a sensor, a filter and a logger task in USR mode. It
/// finds out at boot that it runs in a VM only to end through PSCI.
pub const SUPERVISOR: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_32"));

/// The Cortex-A15 supervisor's SMP bring-up test (`wells-smp-test`: the second CPU started by
/// PSCI CPU_ON and checked, a spin lock and values passed across), run by the test image in a VM
/// with two vCPUs. (Its SMP kernel test runs there too, but its transaction workload needs more
/// than the test's time limit while both vCPUs share one physical CPU.)
pub const SMP: Option<&[u8]> = Some(include_bytes!(env!("WELLS_GUEST_SMP_32")));

/// The Cortex-A15 supervisor's benchmark image (feature `user`), run as a guest by the
/// hypervisor's own benchmark to compare with its native run.
#[cfg(feature = "bench")]
pub const SUPERVISOR_BENCH: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_BENCH_32"));
