//! Soaks: wells churns every kind of object for a long stretch and must end where it began.
//! `cargo xtask test` runs short ones; `cargo xtask soak` the long ones: an hour of virtual time
//! on each hypervisor image under `-icount` (kernel objects and VMs), ten minutes of wall time
//! hosted (`tests/soak/soak.c`: heap at its baseline after every round, RSS flat), and the
//! system-call and hypercall fuzzers at a million calls each (image feature `soak`).

use std::path::Path;
use std::time::Duration;

use crate::cortex_m3::MPS2_AN385;
use crate::hyper::{VIRT_ARM32_HYPER, VIRT_ARM64_HYPER};
use crate::qemu::{self, Board, Boot, VIRT_ARM64};
use crate::Result;

/// How long each soak runs.
#[derive(Clone, Copy)]
pub struct Length {
    /// Virtual seconds on the QEMU images.
    pub virtual_seconds: u64,
    /// Wall seconds hosted.
    pub hosted_seconds: u64,
}

/// The suite's soak: long enough for thousands of rounds, short enough for CI.
pub const SHORT: Length = Length { virtual_seconds: 60, hosted_seconds: 10 };
/// `cargo xtask soak`.
pub const LONG: Length = Length { virtual_seconds: 3600, hosted_seconds: 600 };

/// One result per soak: both hypervisor images and the hosted library.
pub fn run(root: &Path, length: Length, library_ok: bool) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    for (board, cpu) in [(&VIRT_ARM64_HYPER, "cortex-a53"), (&VIRT_ARM32_HYPER, "cortex-a15")] {
        let name = format!("soak {}: {} s of virtual time, kernel objects and VMs, heap flat", board.name, length.virtual_seconds);
        results.push((name, soak_board(root, board, cpu, length.virtual_seconds)));
    }
    let name = format!("soak hosted: {} s, every C API object kind, heap and RSS flat", length.hosted_seconds);
    let hosted = if library_ok { soak_hosted(root, length.hosted_seconds) } else { Err("not run: libwells.a did not build".to_string()) };
    results.push((name, hosted));
    results
}

fn soak_board(root: &Path, board: &Board, cpu: &'static str, seconds: u64) -> Result<()> {
    let image = qemu::build_with_env(root, board, "wells-soak", &[], &[("WELLS_SOAK_SECONDS", seconds.to_string())])?;
    let boot = Boot {
        name: "soak",
        machine: "virt,virtualization=on",
        cpu,
        expect: &[" s of virtual time, ", "heap back at its baseline every round"],
        status: 0,
    };
    // An hour of virtual time is mostly idle (skipped under -icount sleep=off): minutes.
    let limit = Duration::from_secs(120 + seconds / 4);
    qemu::test_boot_within(root, board, &boot, &image, limit)
}

fn soak_hosted(root: &Path, seconds: u64) -> Result<()> {
    let binary = root.join("target/hosted/soak");
    crate::hosted::compile(root, &[Path::new("tests/soak/soak.c").to_path_buf()], &binary)?;
    crate::hosted::run_with_limit(root, &binary, &[&seconds.to_string()], Duration::from_secs(seconds + 60))
}

/// A fuzzer's test image built to make a million calls, and the lines its boot must print.
struct FuzzSoak {
    board: &'static Board,
    features: &'static [&'static str],
    boot: Boot,
}

const FUZZ_SOAKS: &[FuzzSoak] = &[
    FuzzSoak {
        board: &VIRT_ARM64,
        features: &["user32", "fuzz", "soak"],
        boot: Boot {
            name: "soak arm64: system-call fuzzing, 1 000 000 calls from a 64-bit and a 32-bit task",
            machine: "virt",
            cpu: "cortex-a53",
            expect: &["fuzz syscalls (64-bit): 1000000 calls, ", "fuzz syscalls (32-bit): 1000000 calls, ", " passed, 0 failed"],
            status: 0,
        },
    },
    FuzzSoak {
        board: &MPS2_AN385,
        features: &["fuzz", "soak"],
        boot: Boot {
            name: "soak cortex-m3: system-call fuzzing, 1 000 000 calls",
            machine: "mps2-an385",
            cpu: "cortex-m3",
            expect: &["fuzz syscalls (cortex-m3): 1000000 calls, ", " passed, 0 failed"],
            status: 0,
        },
    },
    FuzzSoak {
        board: &VIRT_ARM64_HYPER,
        features: &["fuzz", "soak"],
        boot: Boot {
            name: "soak arm64 hypervisor: hypercall fuzzing, 1 000 000 calls",
            machine: "virt,virtualization=on",
            cpu: "cortex-a53",
            expect: &["[fuzzer] fuzz hypercalls (64-bit guest): 1000000 calls, ", " passed, 0 failed"],
            status: 0,
        },
    },
    FuzzSoak {
        board: &VIRT_ARM32_HYPER,
        features: &["fuzz", "soak"],
        boot: Boot {
            name: "soak arm32 hypervisor: hypercall fuzzing, 1 000 000 calls",
            machine: "virt,virtualization=on",
            cpu: "cortex-a15",
            expect: &["[fuzzer] fuzz hypercalls (32-bit guest): 1000000 calls, ", " passed, 0 failed"],
            status: 0,
        },
    },
];

/// Each fuzzer at a million calls; one result per image.
fn fuzz_soaks(root: &Path) -> Vec<(String, Result<()>)> {
    FUZZ_SOAKS
        .iter()
        .map(|soak| {
            let result = qemu::build(root, soak.board, "wells-test", soak.features)
                .and_then(|image| qemu::test_boot_within(root, soak.board, &soak.boot, &image, Duration::from_secs(900)));
            (soak.boot.name.to_string(), result)
        })
        .collect()
}

/// `cargo xtask soak`: setup, the library, then every long soak; a PASS/FAIL tally.
pub fn command(root: &Path) -> Result<u8> {
    crate::setup::run(root)?;
    let mut summary = crate::summary::Summary::new("xtask soak");
    let library = crate::hosted::build_library(root);
    let library_ok = library.is_ok();
    summary.record("build libwells.a", library);
    for (name, result) in run(root, LONG, library_ok).into_iter().chain(fuzz_soaks(root)) {
        summary.record(&name, result);
    }
    Ok(if summary.finish() { 0 } else { 1 })
}
