//! The Cortex-A15 board (`images/arm32`, features `qemu-virt,supervisor`; ARMv7-A): its QEMU description (user
//! programs for `armv7a-none-eabi` only) and test plan; `qemu.rs` builds and boots it.

use std::path::Path;

use crate::qemu::{self, Board, Boot, EveryModel, TestImage};
use crate::user_apps::{self, UserPrograms};
use crate::Result;

/// QEMU `virt` with a Cortex-A15 (32-bit).
pub const VIRT_ARM32: Board = Board {
    name: "qemu-virt-arm32",
    package: "wells-image-arm32",
    base_features: &["qemu-virt", "supervisor"],
    description: "qemu-virt",
    cpu: "arm32",
    options: &["-m", "256M"],
    user_programs: &[UserPrograms { user: &user_apps::A32, features: &["user", "bench"] }],
    guest_images: &[],
    image_prefix: "qemu-virt-arm32-",
    // SVC entry.
    plain_boot: Boot { name: "arm32 virt", machine: "virt", cpu: "cortex-a15", expect: &[], status: 0 },
    // The demo with user tasks.
    demo_features: &["user"],
    bench_features: &["bench"],
    system: "arm32-tasks",
    tests: ARM32_TESTS,
    // cortex-a7: the user-task boot on each other model.
    every_model: Some(EveryModel {
        bin: "wells-test",
        features: &["user"],
        name: "arm32 user tasks (USR), SVC entry",
        machine: "virt",
        expect: &["entered in SVC mode", "ok - user_faults_are_contained", " passed, 0 failed"],
    }),
    normal_world: None,
};

const SVC_ENTRY: &[&str] = &["entered in SVC mode", "running in SVC mode"];
const HYP_ENTRY: &[&str] = &["entered in HYP mode", "dropped to SVC", "running in SVC mode"];

/// The Cortex-A15 test plan: kernel threads alone and with user tasks in USR mode, each entered
/// in SVC and in HYP mode; and a kernel fault that must be reported.
pub const ARM32_TESTS: &[TestImage] = &[
    TestImage {
        bin: "wells-test",
        features: &[],
        boots: &[
            Boot { name: "arm32 kernel threads, SVC entry (cortex-a15)", machine: "virt", cpu: "cortex-a15", expect: SVC_ENTRY, status: 0 },
            Boot {
                name: "arm32 kernel threads, HYP entry (cortex-a15, virtualization=on)",
                machine: "virt,virtualization=on",
                cpu: "cortex-a15",
                expect: HYP_ENTRY,
                status: 0,
            },
        ],
    },
    TestImage {
        bin: "wells-test",
        features: &["user"],
        boots: &[
            Boot {
                name: "arm32 user tasks (USR), SVC entry (cortex-a15)",
                machine: "virt",
                cpu: "cortex-a15",
                expect: &["entered in SVC mode", "ok - user_faults_are_contained", " passed, 0 failed"],
                status: 0,
            },
            Boot {
                name: "arm32 user tasks (USR), HYP entry (cortex-a15, virtualization=on)",
                machine: "virt,virtualization=on",
                cpu: "cortex-a15",
                expect: &["entered in HYP mode", "dropped to SVC", "ok - user_faults_are_contained", " passed, 0 failed"],
                status: 0,
            },
        ],
    },
    TestImage {
        bin: "wells-kernel-fault",
        features: &[],
        boots: &[Boot {
            name: "arm32 kernel stack overflow is reported",
            machine: "virt",
            cpu: "cortex-a15",
            expect: &["kernel stack overflow: the guard page", "unexpected exception: data abort in SVC mode", "DFSR=", "DFAR=", "PC="],
            status: 101,
        }],
    },
];

/// Builds every Cortex-A15 test image and boots each of its configurations; one result per
/// boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    qemu::run_tests(root, &VIRT_ARM32)
}

