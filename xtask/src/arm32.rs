//! The Cortex-A15 board (`hosts/qemu-virt-arm32`, ARMv7-A): its QEMU description, test plan,
//! image build (user programs for `armv7a-none-eabi` only) and demo.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::qemu::{self, Board, Boot, TestImage};
use crate::user_apps;
use crate::Result;

/// QEMU `virt` with a Cortex-A15 (32-bit).
pub const VIRT_ARM32: Board = Board {
    name: "qemu-virt-arm32",
    package: "wells-qemu-virt-arm32",
    target: "armv7a-none-eabi",
    qemu: "qemu-system-arm",
    options: &["-m", "256M", "-nic", "none"],
};

const SVC_ENTRY: &[&str] = &["entered in SVC mode", "running in SVC mode"];
const HYP_ENTRY: &[&str] = &["entered in HYP mode", "dropped to SVC", "running in SVC mode"];

/// The plain boot (`run`, the demo): SVC entry.
const PLAIN_BOOT: Boot = Boot { name: "arm32 virt", machine: "virt", cpu: "cortex-a15", expect: &[], status: 0 };

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

/// Features of the image `run` boots: the demo with user tasks.
const DEMO_FEATURES: &[&str] = &["user"];

/// Builds binary `bin` of the board with `features` (feature `user` embeds the
/// `armv7a-none-eabi` user programs, built first); returns a copy of the ELF in
/// `target/images/`, named after the board, binary and features.
pub fn build(root: &Path, bin: &str, features: &[&str]) -> Result<PathBuf> {
    let board = &VIRT_ARM32;
    let mut environment = Vec::new();
    if features.contains(&"user") {
        environment.push((user_apps::A32.env, user_apps::build(root, &user_apps::A32)?));
    }
    let mut args = vec!["build", "--release", "-p", board.package, "--target", board.target, "--bin", bin];
    let joined = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", joined.as_str()]);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command.args(&args).current_dir(root).envs(environment);
    crate::run_status(&mut command, &format!("cargo {}", args.join(" ")))?;
    let built = root.join("target").join(board.target).join("release").join(bin);
    let images = root.join("target").join("images");
    std::fs::create_dir_all(&images).map_err(|e| format!("cannot create {}: {e}", images.display()))?;
    let mut name = format!("{}-{bin}", board.name);
    for feature in features {
        name.push('+');
        name.push_str(feature);
    }
    let image = images.join(format!("{name}.elf"));
    std::fs::copy(&built, &image).map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), image.display()))?;
    Ok(image)
}

/// Builds every Cortex-A15 test image and boots each of its configurations; one result per
/// boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    for test in ARM32_TESTS {
        match build(root, test.bin, test.features) {
            Ok(image) => {
                for boot in test.boots {
                    results.push((boot.name.to_string(), qemu::test_boot(root, &VIRT_ARM32, boot, &image)));
                }
            }
            Err(e) => {
                for boot in test.boots {
                    results.push((boot.name.to_string(), Err(format!("image not built: {e}"))));
                }
            }
        }
    }
    results
}

/// `cargo xtask run --board qemu-virt-arm32`: builds the demo and boots it interactively;
/// returns QEMU's exit status.
pub fn run_demo(root: &Path) -> Result<u8> {
    let image = build(root, "wells-demo", DEMO_FEATURES)?;
    qemu::interactive(root, &VIRT_ARM32, qemu::qemu_command_with(&VIRT_ARM32, &PLAIN_BOOT, &image, &[]))
}
