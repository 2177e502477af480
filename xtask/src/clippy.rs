//! Clippy over every crate, warnings denied: the host crates with their tests, and each image
//! crate for its own target with every feature set its test plan, demo and bench build (cfg'd
//! code is only checked where it is compiled).

use std::path::Path;

use crate::qemu::{self, Board};
use crate::Result;

/// The host crates (`cargo clippy --all-targets`).
const HOST_CRATES: &[&str] = &["wells-core", "wells-ffi", "wells-policy", "wells-board", "wells-oil", "xtask"];

/// Every image's board.
const BOARDS: [&Board; 9] = [
    &qemu::VIRT_ARM64,
    &crate::monitor::VIRT_ARM64_MONITOR,
    &crate::hyper::VIRT_ARM64_HYPER,
    &crate::arm32::VIRT_ARM32,
    &crate::hyper::VIRT_ARM32_HYPER,
    &crate::cortex_r52::MPS3_AN536,
    &crate::cortex_r52::MPS3_AN536_HYPER,
    &crate::cortex_m3::MPS2_AN385,
    &crate::m3_partitions::MPS2_AN385_PARTITIONS,
];

/// `cargo xtask clippy`: setup, then [`run`]; a PASS/FAIL tally.
pub fn command(root: &Path) -> Result<u8> {
    crate::setup::run(root)?;
    let mut summary = crate::summary::Summary::new("xtask clippy");
    for (name, result) in run(root) {
        summary.record(&name, result);
    }
    Ok(if summary.finish() { 0 } else { 1 })
}

/// One result for the host crates, one per board.
pub fn run(root: &Path) -> Vec<(String, Result<()>)> {
    let mut args = vec!["clippy", "--all-targets"];
    for package in HOST_CRATES {
        args.extend(["-p", package]);
    }
    args.extend(["--", "-D", "warnings"]);
    let mut results = vec![(format!("clippy: {} (all targets)", HOST_CRATES.join(", ")), crate::cargo(root, &args))];
    for board in BOARDS {
        let sets = feature_sets(board);
        let result = sets.iter().try_for_each(|features| qemu::clippy(root, board, features));
        results.push((format!("clippy: {} image, {} feature sets", board.name, sets.len()), result));
    }
    // The SMP kernel images (feature `smp`), which `test --smp` builds and no board's plan does.
    let smp_boards = [&qemu::VIRT_ARM64, &crate::arm32::VIRT_ARM32, &crate::hyper::VIRT_ARM64_HYPER, &crate::hyper::VIRT_ARM32_HYPER];
    let result = smp_boards.iter().try_for_each(|board| qemu::clippy(root, board, &["smp"]));
    // The supervisors' SMP kernel tests are built with their user programs as well (their tasks
    // on every CPU).
    let result = result.and_then(|()| [&qemu::VIRT_ARM64, &crate::arm32::VIRT_ARM32].iter().try_for_each(|board| qemu::clippy(root, board, crate::smp::KERNEL_FEATURES)));
    results.push(("clippy: the SMP kernel images of arm64 and the Cortex-A15 (also with feature user), supervisors and hypervisors (feature smp)".to_string(), result));
    // The monitor's normal-world images: supervisor builds linked below the monitor.
    let result = crate::monitor::NORMAL_WORLD_FEATURES.iter().try_for_each(|features| qemu::clippy(root, &qemu::VIRT_ARM64, features));
    results.push((format!("clippy: {} image below the monitor, {} feature sets", qemu::VIRT_ARM64.name, crate::monitor::NORMAL_WORLD_FEATURES.len()), result));
    // The hypervisor as the full stack's normal world (feature `normal-world`).
    let result = qemu::clippy(root, &crate::full_stack::HYPER_BELOW_MONITOR, &[]);
    results.push((format!("clippy: {} image", crate::full_stack::HYPER_BELOW_MONITOR.name), result));
    results.push(("clippy: the Cortex-M3 minimal configuration and wells-core without its optional features".to_string(), crate::minimal::clippy(root)));
    let libraries = crate::library_arm::LIBRARIES;
    let result = libraries.iter().try_for_each(|library| crate::library_arm::clippy(root, library));
    let targets: Vec<&str> = libraries.iter().map(|library| library.target).collect();
    results.push((format!("clippy: wells-ffi (libwells.a) for {}", targets.join(", ")), result));
    results
}

/// Every distinct feature set a board's images are built with.
fn feature_sets(board: &Board) -> Vec<Vec<&'static str>> {
    let mut sets: Vec<Vec<&'static str>> = Vec::new();
    let traced = crate::trace::features(board);
    let planned = board.tests.iter().map(|test| test.features).chain([board.demo_features, board.bench_features]).chain(traced.as_deref());
    for features in planned {
        let mut set = features.to_vec();
        set.sort_unstable();
        if !sets.contains(&set) {
            sets.push(set);
        }
    }
    sets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_planned_feature_set_is_checked_once() {
        let sets = feature_sets(&qemu::VIRT_ARM64);
        assert!(sets.contains(&vec![]));
        assert!(sets.contains(&vec!["fuzz", "user32"]));
        assert!(sets.contains(&vec!["bench"]));
        assert!(sets.contains(&vec!["trace", "user32"]));
        let mut unique = sets.clone();
        unique.dedup();
        assert_eq!(unique.len(), sets.len());
    }
}
