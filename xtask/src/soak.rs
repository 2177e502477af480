//! Soaks: wells churns every kind of object for a long stretch and must end where it began.
//! `cargo xtask test` runs short ones; `cargo xtask soak` the long ones: an hour of virtual time
//! on each hypervisor image under `-icount` (kernel objects and VMs), ten minutes of wall time
//! hosted (`tests/soak/soak.c`: heap at its baseline after every round, RSS flat), and the
//! system-call and hypercall fuzzers at a million calls each (image feature `soak`), and the
//! multi-core boots again and again ([`SMP_ROUNDS`] rounds of `smp::soak_rounds`).

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

/// Rounds of the SMP boots in `cargo xtask soak` (`smp::soak_rounds`: ten boots a round).
pub const SMP_ROUNDS: u32 = 20;

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

/// A fuzz image of a board's test plan, rebuilt with feature `soak` (a million calls where the
/// suite makes a hundred thousand), and the boot it must pass.
struct FuzzSoak {
    board: &'static Board,
    bin: &'static str,
    features: Vec<&'static str>,
    boot: Boot,
}

/// Every fuzz boot of these boards' test plans, at a million calls.
fn fuzz_soak_plan() -> Vec<FuzzSoak> {
    let mut plan = Vec::new();
    for board in [&VIRT_ARM64, &MPS2_AN385, &VIRT_ARM64_HYPER, &VIRT_ARM32_HYPER] {
        for test in board.tests.iter().filter(|test| test.features.contains(&"fuzz")) {
            for boot in test.boots {
                let features = test.features.iter().copied().chain(["soak"]).collect();
                plan.push(FuzzSoak { board, bin: test.bin, features, boot: at_a_million_calls(boot) });
            }
        }
    }
    plan
}

/// One result per fuzz soak.
fn fuzz_soaks(root: &Path) -> Vec<(String, Result<()>)> {
    fuzz_soak_plan()
        .into_iter()
        .map(|soak| {
            let result = qemu::build(root, soak.board, soak.bin, &soak.features).and_then(|image| {
                qemu::test_boot_within(root, soak.board, &soak.boot, &image, Duration::from_secs(900))
            });
            (soak.boot.name.to_string(), result)
        })
        .collect()
}

/// `boot` with its call counts (name and expected lines) raised from 100 000 to 1 000 000.
fn at_a_million_calls(boot: &Boot) -> Boot {
    // xtask runs once and ends: leaking the few rewritten strings keeps `Boot` all-static.
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let expect: Vec<&'static str> =
        boot.expect.iter().map(|line| leak(line.replace("100000 calls", "1000000 calls"))).collect();
    Boot {
        name: leak(format!("soak: {}", boot.name.replace("100 000", "1 000 000"))),
        expect: Box::leak(expect.into_boxed_slice()),
        ..*boot
    }
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
    let smp = crate::smp::soak_rounds(root, SMP_ROUNDS).map(|boots| println!("xtask soak: {boots} SMP boots passed"));
    summary.record(&format!("soak SMP: the multi-core boots, {SMP_ROUNDS} rounds (arm64 4 CPUs, Cortex-A15 2 CPUs, both hypervisors 2 CPUs)"), smp);
    Ok(if summary.finish() { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fuzz_boot_soaks_at_a_million_calls() {
        let plan = fuzz_soak_plan();
        // arm64 system calls, Cortex-M3 system calls, both hypervisors' hypercalls.
        assert_eq!(plan.len(), 4);
        for soak in &plan {
            assert!(soak.features.contains(&"soak"), "{}", soak.boot.name);
            assert!(soak.boot.name.contains("1 000 000"), "{}", soak.boot.name);
            assert!(soak.boot.expect.iter().any(|line| line.contains("1000000 calls")), "{}", soak.boot.name);
            assert!(!soak.boot.expect.iter().any(|line| line.contains(" 100000 calls")), "{}", soak.boot.name);
        }
    }
}
