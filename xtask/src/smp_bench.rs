//! `cargo xtask bench --smp [--write]`: the SMP rows of docs/benchmarks.md (issue 18). Two
//! boots of the arm64 supervisor built with `smp` (`images/arm64/src/supervisor/smp_bench.rs`):
//! the latencies on 2 CPUs under `-icount` (instructions, repeating exactly), and the scaling
//! of one parallel workload over 1, 2 and 4 CPUs under multi-threaded TCG (the host's clock,
//! as ratios within that one run; bounded by the host's own cores).

use std::path::Path;

use crate::qemu::{self, Boot, VIRT_ARM64};
use crate::Result;

/// The section's heading in docs/benchmarks.md.
pub const TITLE: &str = "## Several CPUs (arm64 Cortex-A53, one kernel on every core)";

const LATENCY_BOOT: Boot = Boot { name: "arm64 SMP latencies", machine: "virt", cpu: "cortex-a53", expect: &[], status: 0 };
const SCALING_BOOT: Boot = Boot { name: "arm64 SMP scaling", machine: "virt", cpu: "cortex-a53", expect: &[], status: 0 };

/// The latency rows: (name, instructions per operation).
fn latencies(root: &Path) -> Result<Vec<(String, String)>> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-bench", &["smp"])?;
    let options: Vec<&str> = qemu::ICOUNT.iter().copied().chain(["-smp", "2"]).collect();
    let mut command = qemu::qemu_command_with(&VIRT_ARM64, &LATENCY_BOOT, &image, &options);
    command.current_dir(root);
    let output = crate::bench::run_with_limit(command, "wells-smp-bench")?;
    if !output.lines().any(|line| line.trim_end() == "smp bench: done") {
        return Err("wells-smp-bench did not finish its rows (see its output above)".into());
    }
    let rows: Vec<(String, String)> = output
        .lines()
        .filter_map(|line| line.trim_end().strip_prefix("smp bench: ")?.split_once(" | "))
        .map(|(name, figure)| (name.to_string(), figure.to_string()))
        .collect();
    if rows.len() != 3 {
        return Err(format!("wells-smp-bench printed {} rows, expected 3", rows.len()));
    }
    Ok(rows)
}

/// The scaling rows: (CPUs, microseconds, ratio to 1 CPU).
fn scaling(root: &Path) -> Result<Vec<(String, String, String)>> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-scaling", &["smp"])?;
    let mut command = qemu::qemu_command_with(&VIRT_ARM64, &SCALING_BOOT, &image, &["-smp", "4", "-accel", "tcg,thread=multi"]);
    command.current_dir(root);
    let output = crate::bench::run_with_limit(command, "wells-smp-scaling")?;
    if !output.lines().any(|line| line.trim_end() == "smp bench: done") {
        return Err("wells-smp-scaling failed a check (see its output above)".into());
    }
    let rows: Vec<(String, String, String)> = output
        .lines()
        .filter_map(|line| {
            let mut parts = line.trim_end().strip_prefix("ok - smp scaling: ")?.split(" | ");
            let cpus = parts.next()?.to_string();
            let micros = parts.next()?.to_string();
            let ratio = format!("{}x", parts.next()?.split(' ').next()?);
            Some((cpus, micros, ratio))
        })
        .collect();
    if rows.len() != 3 {
        return Err(format!("wells-smp-scaling printed {} rows, expected 3", rows.len()));
    }
    Ok(rows)
}

/// Measures both and renders the section.
pub fn section(root: &Path) -> Result<String> {
    let latencies = latencies(root)?;
    let scaling = scaling(root)?;
    let host_cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut md = format!("{TITLE}\n\n");
    md.push_str(
        "Written by `cargo xtask bench` (or `cargo xtask bench --smp --write`). The arm64 supervisor built with \
         wells-core `smp` (`images/arm64/src/supervisor/smp_bench.rs`). Latencies: `wells-smp-bench` on 2 CPUs \
         under `-icount` (QEMU runs the CPUs in turn on one host thread; each figure is read from the PMU cycle \
         counter of the CPU that measures, median of 7 repetitions of 200 operations, instructions per operation \
         of both CPUs together, and repeats exactly).\n\n",
    );
    md.push_str("| measurement | instructions |\n|---|---:|\n");
    for (name, figure) in &latencies {
        md.push_str(&format!("| {name} | {figure} |\n"));
    }
    md.push_str(&format!(
        "\nScaling: `wells-smp-scaling` on 4 CPUs under multi-threaded TCG (each CPU a host thread), the host's clock. \
         Four threads each do 4 000 units (512 rounds of xorshift, about 2 500 instructions, then a semaphore post and \
         wait: the kernel's lock taken twice); the same run on 1 CPU, then with a second and then all four CPUs joined to the kernel; each \
         run's results must equal the 1-CPU run's. Times vary with the host; the ratio within one run is the figure. \
         It cannot exceed the host's cores: this host has {host_cpus} (aim, issue 18: at least 1.8x on 2 cores and \
         3.3x on 4).\n\n"
    ));
    md.push_str("| CPUs | time (us) | speed-up over 1 CPU |\n|---|---:|---:|\n");
    for (cpus, micros, ratio) in &scaling {
        md.push_str(&format!("| {cpus} | {micros} | {ratio} |\n"));
    }
    Ok(md)
}

/// `cargo xtask bench --smp [--write]`: prints the section; with `write` also puts it into
/// docs/benchmarks.md.
pub fn command(root: &Path, write: bool) -> Result<()> {
    crate::setup::run(root)?;
    let md = section(root)?;
    println!("\n{md}");
    if write {
        crate::bench::replace_report_section_or_before(root, TITLE, &md, "## Monitor, secure world and full stack")?;
    }
    Ok(())
}
