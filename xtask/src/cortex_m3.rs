//! The Cortex-M3 board (`images/cortex-m3`, ARMv7-M): its QEMU description and test plan
//! (kernel threads; unprivileged tasks with the MPU on and off; a kernel fault); `qemu.rs`
//! builds and boots it, after the `user/apps` programs its images embed (for `thumbv7m`,
//! position-independent: `user_apps::T32_MPS2_AN385`).

use std::path::Path;

use crate::qemu::{self, Board, Boot, TestImage};
use crate::user_apps::{self, UserPrograms};
use crate::Result;

/// QEMU `mps2-an385`: fixed 4+4 MiB of SSRAM (QEMU refuses any `-m` but 16M), no network
/// option needed (its LAN9118 has no backend without `-nic`).
pub const MPS2_AN385: Board = Board {
    name: "qemu-mps2-an385",
    package: "wells-image-cortex-m3",
    base_features: &["supervisor"],
    description: "mps2-an385",
    cpu: "cortex-m3",
    options: &[],
    // Every image embeds them (the demo and the static system too).
    user_programs: &[UserPrograms { user: &user_apps::T32_MPS2_AN385, features: &[] }],
    guest_images: &[],
    image_prefix: "qemu-mps2-an385-",
    plain_boot: Boot { name: "mps2-an385", machine: "mps2-an385", cpu: "cortex-m3", expect: &[], status: 0 },
    demo_features: &[],
    bench_features: &[],
    system: "m3-tasks",
    tests: CORTEX_M3_TESTS,
    every_model: None,
    normal_world: None,
};

/// The Cortex-M3 test plan.
pub const CORTEX_M3_TESTS: &[TestImage] = &[
    TestImage {
        bin: "wells-test",
        features: &[],
        boots: &[Boot {
            name: "cortex-m3 kernel threads (mps2-an385)",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &["qemu-mps2-an385", "ok - priority_inheritance", "10 passed, 0 failed"],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-test",
        features: &["user"],
        boots: &[Boot {
            name: "cortex-m3 unprivileged tasks, MPU on (mps2-an385)",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &[
                "MPU on (PMSAv7, 8 regions)",
                "task 'fault-null' stopped: MemManage",
                "task 'isolation' stopped: MemManage",
                "task 'fault-stack' stopped: MemManage",
                "ok - user_faults_are_contained",
                "ok - user_tasks_cannot_reach_each_other",
                "wells: refused: task 'absolute-relocation': relocation at",
                "wells: refused: task 'huge-segment': segment at 0x0",
                "ok - user_bad_programs_are_refused",
                " passed, 0 failed",
            ],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-test",
        features: &["user", "no-mpu"],
        boots: &[Boot {
            name: "cortex-m3 unprivileged tasks, MPU off (mps2-an385)",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &["MPU off", "task 'fault-undefined' stopped: UsageFault", "ok - user_faults_are_contained", " passed, 0 failed"],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-test",
        features: &["fuzz"],
        boots: &[Boot {
            name: "cortex-m3 system-call fuzzing: 100 000 calls (mps2-an385)",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &["fuzz syscalls (32-bit): 100000 calls, ", "ok - user_syscall_fuzz", " passed, 0 failed"],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-static",
        features: &["static"],
        boots: &[Boot {
            name: "cortex-m3 static configuration: sealed kernel, no heap allocation (mps2-an385)",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &[
                "static: sealed with",
                "task 'fault-null' stopped: MemManage",
                "logger (32-bit): 30 averages logged, done",
                "sealed-probe: sem_create, mutex_create, event_create, thread_create refused with -19 (sealed)",
                "static: tasks done; kernel object creation refused with Sealed",
                "static: 0 heap allocations after sealing",
            ],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-kernel-fault",
        features: &[],
        boots: &[Boot {
            name: "cortex-m3 kernel fault is reported",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &["kernel fault: BusFault", "CFSR=", "BFAR=0x30000000", "stacked PC="],
            status: 101,
        }],
    },
];

/// Builds every Cortex-M3 test image and boots each; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    qemu::run_tests(root, &MPS2_AN385)
}

