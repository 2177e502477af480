//! The Cortex-R52 board (`images/arm32`, features `mps3-an536,supervisor`; ARMv8-R AArch32): its QEMU description and
//! test plan (kernel threads; EL0 tasks isolated by the EL1 MPU; a kernel fault); `qemu.rs`
//! builds and boots it. `armv8r-none-eabihf` has no prebuilt std: core and alloc are built from
//! source (`build_std`). Its images embed the `user/apps` programs, built first for `thumbv7m`
//! as position-independent executables (`user_apps::T32_MPS3_AN536`), run in Thumb state at EL0.

use std::path::Path;

use crate::qemu::{self, Board, Boot, GuestImage, TestImage};
use crate::user_apps::{self, UserPrograms, UserTarget};
use crate::Result;

/// QEMU `mps3-an536`: one Cortex-R52 (the default `-smp 1`), 3 GiB DDR at 0x2000_0000 by
/// default, no network device.
pub const MPS3_AN536: Board = Board {
    name: "qemu-mps3-an536",
    package: "wells-image-arm32",
    base_features: &["mps3-an536", "supervisor"],
    description: "mps3-an536",
    cpu: "cortex-r52",
    options: &[],
    // Every image embeds them (the demo and the static system too).
    user_programs: &[UserPrograms { user: &user_apps::T32_MPS3_AN536, features: &[] }],
    guest_images: &[],
    image_prefix: "qemu-mps3-an536-",
    plain_boot: Boot { name: "mps3-an536", machine: "mps3-an536", cpu: "cortex-r52", expect: &[], status: 0 },
    demo_features: &[],
    bench_features: &["bench"],
    system: "r52-tasks",
    tests: CORTEX_R52_TESTS,
    every_model: None,
    normal_world: None,
};

const EL2_ENTRY: &[&str] = &["entered in HYP mode", "dropped to EL1", "running in SVC mode (EL1), MPU on"];

/// The Cortex-R52 test plan.
pub const CORTEX_R52_TESTS: &[TestImage] = &[
    TestImage {
        bin: "wells-test",
        features: &[],
        boots: &[Boot {
            name: "cortex-r52 kernel threads, EL2 entry (mps3-an536)",
            machine: "mps3-an536",
            cpu: "cortex-r52",
            expect: &["entered in HYP mode", "dropped to EL1", "ok - priority_inheritance", "10 passed, 0 failed"],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-test",
        features: &["user"],
        boots: &[Boot {
            name: "cortex-r52 EL0 tasks, EL1 MPU (mps3-an536)",
            machine: "mps3-an536",
            cpu: "cortex-r52",
            expect: &[
                EL2_ENTRY[0],
                EL2_ENTRY[1],
                EL2_ENTRY[2],
                "task 'fault-null' stopped: data abort",
                "task 'fault-kernel-write' stopped: data abort on write",
                "task 'fault-stack' stopped: data abort on write",
                "task 'isolation' stopped: data abort on write",
                "task 'fault-undefined' stopped: undefined instruction",
                "task 'fault-bad-syscall' stopped: unknown system call",
                "ok - user_faults_are_contained",
                "ok - user_failed_spawn_leaves_nothing",
                "task 'prober' stopped: data abort on write",
                "ok - user_tasks_cannot_reach_each_other",
                "wells: refused: task 'absolute-relocation': relocation at",
                "ok - user_bad_programs_are_refused",
                "19 passed, 0 failed",
            ],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-kernel-fault",
        features: &[],
        boots: &[Boot {
            name: "cortex-r52 kernel fault is reported",
            machine: "mps3-an536",
            cpu: "cortex-r52",
            expect: &["unexpected exception: data abort in SVC mode", "DFAR=0x20000000", "PC="],
            status: 101,
        }],
    },
];

/// The bare test guest built for the R52 hypervisor's partitions: a position-independent
/// executable (as the tasks' programs are), relocated into each partition's RAM.
pub const GUESTS_R52: UserTarget =
    UserTarget { package: "wells-bare-guest", target: "armv8r-none-eabihf", env: "WELLS_GUESTS_R52", board: Some("mps3-an536") };

/// The same board with wells staying at EL2 (`images/arm32`, features `mps3-an536,hypervisor`):
/// partitions fenced by the EL2 MPU, in fixed time windows (docs/hypervisor.md, "Cortex-R52").
pub const MPS3_AN536_HYPER: Board = Board {
    name: "qemu-mps3-an536-hyper",
    package: "wells-image-arm32",
    base_features: &["mps3-an536", "hypervisor"],
    description: "mps3-an536",
    cpu: "cortex-r52",
    options: &[],
    user_programs: &[UserPrograms { user: &GUESTS_R52, features: &[] }],
    // The R52 supervisor's demo with its EL0 tasks, as it runs natively.
    guest_images: &[GuestImage { board: &MPS3_AN536, bin: "wells-demo", features: &[], env: "WELLS_GUEST_SUPERVISOR_R52", when: &[] }],
    image_prefix: "qemu-mps3-an536-hyper-",
    plain_boot: Boot { name: "mps3-an536, EL2", machine: "mps3-an536", cpu: "cortex-r52", expect: &[], status: 0 },
    demo_features: &[],
    // No benchmark image yet (docs/hypervisor.md, "Cortex-R52"); the test measures the jitter.
    bench_features: &[],
    system: "r52-partitions",
    tests: CORTEX_R52_HYPER_TESTS,
    every_model: None,
    normal_world: None,
};

/// The R52 hypervisor's test plan: its scenarios (`images/arm32/src/partitions/run.rs`).
pub const CORTEX_R52_HYPER_TESTS: &[TestImage] = &[TestImage {
    bin: "wells-test",
    features: &[],
    boots: &[Boot {
        name: "cortex-r52 EL2 partitions, EL2 MPU (mps3-an536)",
        machine: "mps3-an536",
        cpu: "cortex-r52",
        expect: &[
            "wells: running in HYP mode: EL2 MPU second stage on",
            "[wild] about to write outside my RAM",
            "wells: partition 'wild' stopped: data abort at 0x50000000, outside its partition",
            "[counter] tick 10",
            "wells: partition 'counter' powered off (status 0)",
            "ok - partition_fault_is_contained",
            "wells: partition 'caller' stopped: undefined hypercall 0xc60000ff",
            "wells: partition 'prober' stopped: data abort at 0xe0101000",
            "ok - undefined_hypercall_and_foreign_device_are_contained",
            "wells: partition 'wild' restarts (2): data abort at 0x50000000",
            "ok - partition_restarts_are_bounded",
            "[resetter] back after 1 reset(s)",
            "ok - partition_reset_comes_back",
            "wells: partition 'prober' stopped: data abort at 0x29100000, outside its partition",
            "ok - partitions_cannot_reach_each_other",
            "[spinner] spinning",
            "window starts, late by",
            "ok - spinning_partition_keeps_only_its_window",
            "[super] wells on qemu-mps3-an536 (Cortex-R52): entered in SVC mode",
            "[super] wells: a partition of the wells hypervisor (it answered VERSION): ends through PSCI",
            "[super] wells: running in SVC mode (EL1), MPU on",
            "[super] logger (32-bit): 30 averages logged, done",
            "[super] demo: task logger exited with 0",
            "wells: partition 'super' powered off (status 0)",
            "ok - supervisor_partition_runs_its_tasks",
            "wells: partition 'mute' stopped: data abort at 0xe7c00004, outside its partition",
            "ok - partition_without_uart_is_stopped_at_its_first_line",
            "[fuzzer] fuzz hypercalls (32-bit guest): 100000 calls,",
            "ok - hypercall_fuzz_is_answered_or_refused",
            "wells: partition 'random' restarts (20): undefined hypercall",
            "wells: partition 'random' stopped: undefined hypercall",
            "ok - random_hypercalls_stop_after_bounded_restarts",
            "10 passed, 0 failed",
        ],
        status: 0,
    }],
}];

/// Builds every Cortex-R52 test image and boots each, the supervisor's and the hypervisor's; one
/// result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = qemu::run_tests(root, &MPS3_AN536);
    results.extend(qemu::run_tests(root, &MPS3_AN536_HYPER));
    results
}

/// Only the R52 hypervisor's boots (`cargo xtask test-r52-hyper`).
pub fn run_hyper_tests(root: &Path) -> Vec<(String, Result<()>)> {
    qemu::run_tests(root, &MPS3_AN536_HYPER)
}

