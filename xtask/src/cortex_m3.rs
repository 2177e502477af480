//! The Cortex-M3 board (`hosts/qemu-mps2-an385`, ARMv7-M): its QEMU description, test plan
//! (kernel threads; unprivileged tasks with the MPU on and off; a kernel fault), image build
//! and demo. Its tasks are built into the image, so no user programs are built first.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::qemu::{self, Board, Boot, TestImage};
use crate::Result;

/// QEMU `mps2-an385`: fixed 4+4 MiB of SSRAM (QEMU refuses any `-m` but 16M), no network
/// option needed (its LAN9118 has no backend without `-nic`).
pub const MPS2_AN385: Board = Board {
    name: "qemu-mps2-an385",
    package: "wells-qemu-mps2-an385",
    target: "thumbv7m-none-eabi",
    qemu: "qemu-system-arm",
    options: &[],
};

const PLAIN_BOOT: Boot = Boot { name: "mps2-an385", machine: "mps2-an385", cpu: "cortex-m3", expect: &[], status: 0 };

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
        features: &["tasks"],
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
                " passed, 0 failed",
            ],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-test",
        features: &["tasks", "no-mpu"],
        boots: &[Boot {
            name: "cortex-m3 unprivileged tasks, MPU off (mps2-an385)",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &["MPU off", "task 'fault-undefined' stopped: UsageFault", "ok - user_faults_are_contained", " passed, 0 failed"],
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

/// Builds binary `bin` with `features`; returns a copy of the ELF in `target/images/`, named
/// after the board, binary and features.
pub fn build(root: &Path, bin: &str, features: &[&str]) -> Result<PathBuf> {
    let board = &MPS2_AN385;
    let mut args = vec!["build", "--release", "-p", board.package, "--target", board.target, "--bin", bin];
    let joined = features.join(",");
    if !features.is_empty() {
        args.extend(["--features", joined.as_str()]);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command.args(&args).current_dir(root);
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

/// Builds every Cortex-M3 test image and boots each; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    for test in CORTEX_M3_TESTS {
        match build(root, test.bin, test.features) {
            Ok(image) => {
                for boot in test.boots {
                    results.push((boot.name.to_string(), qemu::test_boot(root, &MPS2_AN385, boot, &image)));
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

/// `cargo xtask run --board qemu-mps2-an385`: builds the demo and boots it interactively;
/// returns QEMU's exit status.
pub fn run_demo(root: &Path) -> Result<u8> {
    let image = build(root, "wells-demo", &[])?;
    qemu::interactive(root, &MPS2_AN385, qemu::qemu_command_with(&MPS2_AN385, &PLAIN_BOOT, &image, &[]))
}
