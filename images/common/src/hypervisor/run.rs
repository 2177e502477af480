//! What each binary of a hypervisor image runs, the same on every CPU: an image's
//! `hypervisor/run.rs` is [`hypervisor_run!`](crate::hypervisor_run), which defines `test`,
//! `demo`, `bench` and `soak` over its guests and its generated system.

use super::{bench as vm_bench, demo as vm_demo, soak as vm_soak, GicBoard, VmPlatform};
use crate::timer_host::GenericTimer;
use crate::system::System;
use crate::test;
use wells_core::mem::HeapStats;

/// The test image: the shared kernel-thread tests (the core at the hypervisor level, on its
/// timer) and the VM scenarios (`test::vms`) on the bare test guest, the supervisor's demo
/// image and, where the image carries one, an SMP kernel image in a VM with two vCPUs; with `fuzz` only the hypercall fuzzer (`soak`: ten times the calls).
pub fn test<P: VmPlatform>(board: &P, bare: &'static [u8], supervisor: &'static [u8], smp: Option<&'static [u8]>, fuzz: bool, soak: bool) -> i32 {
    if fuzz {
        return test::run(board, test::vm_fuzz::tests::<P>(bare, soak));
    }
    test::run(board, test::vms::tests::<P>(bare, supervisor, smp))
}

/// The demo: the VMs of the image's system (`systems/*.toml`), by default two VMs side by side,
/// each running the CPU's supervisor demo with its user tasks; on every CPU brought up.
pub fn demo<P: GicBoard + GenericTimer, T>(board: &P, system: &System<T>) -> i32 {
    vm_demo::run(board, system)
}

/// The benchmark image (`hypervisor::bench`): the guests count instructions with PMCCNTR under
/// `-icount`.
pub fn bench<P: VmPlatform>(board: &P, bare: &'static [u8], supervisor_bench: &'static [u8]) -> i32 {
    vm_bench::run(board, bare, supervisor_bench)
}

/// The soak image: one kernel churns kernel objects and VMs for a stretch of virtual time
/// (`hypervisor::soak`, which says how long).
pub fn soak<P: VmPlatform>(board: &P, bare: &'static [u8], heap: fn() -> HeapStats) -> i32 {
    vm_soak::run(board, bare, vm_soak::SECONDS, heap)
}

/// The hypervisor on several CPUs (`wells-smp-hyper-test`, an image with feature `smp` booted
/// with `-smp 2`): when the board `brought_up` every CPU at boot, VMs whose vCPUs run on
/// different CPUs at once (`test::vms_smp`), with the board's SMP image `smp`, its supervisor
/// demo image and the bare test guest as guests. Returns the number of failures.
#[cfg(target_has_atomic = "64")]
pub fn smp_test<P: VmPlatform + crate::timer_host::GenericTimer>(board: &P, gic: &crate::gic::Gic, brought_up: bool, smp: Option<&'static [u8]>, supervisor: &'static [u8], bare: &'static [u8]) -> i32 {
    let failed = match smp {
        Some(smp) if brought_up => test::vms_smp::run(board, gic, crate::smp_bring_up::cpus_up(), smp, supervisor, bare),
        _ => 1,
    };
    crate::println!(P, "smp hypervisor test: {}", if failed == 0 { "PASS" } else { "FAIL" });
    failed
}

/// Defines a hypervisor image's `run` module (`test`, `demo`, `bench`, `soak`) over the
/// functions above, from the level folder's `board`, `guests` (`BARE`, `SUPERVISOR`,
/// `SUPERVISOR_BENCH` with feature `bench`), `system::SYSTEM` and the image crate's features
/// `fuzz`, `soak`, `bench` and `smp` (then also `smp_test`, over the level folder's `smp`).
#[macro_export]
macro_rules! hypervisor_run {
    () => {
        use super::{board, guests, system, Board};
        use $crate::hypervisor::run;

        /// The test image (`wells_board_common::hypervisor::run::test`).
        pub fn test(board: &Board) -> i32 {
            run::test(board, guests::BARE, guests::SUPERVISOR, guests::SMP, cfg!(feature = "fuzz"), cfg!(feature = "soak"))
        }

        /// The demo: the VMs of the system this image was built for (`system::SYSTEM`).
        pub fn demo(board: &Board) -> i32 {
            run::demo(board, &system::SYSTEM)
        }

        /// The benchmark image (`wells_board_common::hypervisor::run::bench`).
        #[cfg(feature = "bench")]
        pub fn bench(board: &Board) -> i32 {
            run::bench(board, guests::BARE, guests::SUPERVISOR_BENCH)
        }

        /// The soak image (`wells_board_common::hypervisor::run::soak`).
        pub fn soak(board: &Board) -> i32 {
            run::soak(board, guests::BARE, board::heap_stats)
        }

        /// The hypervisor on several CPUs (`wells_board_common::hypervisor::run::smp_test`),
        /// the CPUs brought up at boot (`super::smp`).
        #[cfg(feature = "smp")]
        pub fn smp_test(board: &Board) -> i32 {
            run::smp_test(board, &board::GIC, $crate::smp_bring_up::brought_up_at_boot(), guests::SMP, guests::SUPERVISOR, guests::BARE)
        }
    };
}
