//! `cargo xtask bench --smp [--board NAME] [--write]`: the SMP rows of docs/benchmarks.md
//! (issue 18), one section per board: arm64 and the Cortex-A15. Two boots of the supervisor
//! built with `smp` (`images/common/src/smp_kernel/bench.rs`, the same code on both): the
//! latencies on 2 CPUs under `-icount` (instructions, repeating exactly), and the scaling of
//! one parallel workload over 1, 2 and (arm64) 4 CPUs under multi-threaded TCG (the host's
//! clock, as ratios within that one run; bounded by the host's own cores).

use std::path::Path;

use crate::qemu::{self, Boot};
use crate::Result;

/// A board the SMP bench runs on.
pub struct SmpBench {
    /// Its QEMU board (`qemu::Board`).
    board: &'static qemu::Board,
    /// Its CPU model, and the CPUs of the scaling boot (the most the workload is run on).
    cpu: &'static str,
    scaling_cpus: u32,
    /// The section's heading in docs/benchmarks.md.
    title: &'static str,
    /// How the section names the image, e.g. "The arm64 supervisor".
    image: &'static str,
    /// The CPU counts the scaling runs, as the section says them.
    steps: &'static str,
    /// What the counter is on this CPU.
    counter: &'static str,
}

/// arm64, Cortex-A53.
pub const ARM64: SmpBench = SmpBench {
    board: &qemu::VIRT_ARM64,
    cpu: "cortex-a53",
    scaling_cpus: 4,
    title: "## Several CPUs (arm64 Cortex-A53, one kernel on every core)",
    image: "The arm64 supervisor",
    steps: "on 1 CPU, then with a second and then all four CPUs joined to the kernel",
    counter: "the PMU cycle counter (`PMCCNTR_EL0`, 64 bits)",
};

/// Cortex-A15 (ARMv7-A), 2 CPUs.
pub const ARM32: SmpBench = SmpBench {
    board: &crate::arm32::VIRT_ARM32,
    cpu: "cortex-a15",
    scaling_cpus: 2,
    title: "## Several CPUs (Cortex-A15, one kernel on both cores)",
    image: "The Cortex-A15 supervisor (SVC entry)",
    steps: "on 1 CPU, then with the second CPU joined to the kernel",
    counter: "the PMU cycle counter (`PMCCNTR`, 32 bits, widened to 64 in software per CPU: `wells-core/src/arch/widened.rs`)",
};

/// Every board with an SMP bench, in the order of docs/benchmarks.md.
pub const BOARDS: &[&SmpBench] = &[&ARM64, &ARM32];

/// The latency rows: (name, instructions per operation).
fn latencies(root: &Path, bench: &SmpBench) -> Result<Vec<(String, String)>> {
    let image = qemu::build(root, bench.board, "wells-smp-bench", &["smp"])?;
    let boot = Boot { name: "SMP latencies", machine: "virt", cpu: bench.cpu, expect: &[], status: 0 };
    let options: Vec<&str> = qemu::ICOUNT.iter().copied().chain(["-smp", "2"]).collect();
    let mut command = qemu::qemu_command_with(bench.board, &boot, &image, &options);
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
fn scaling(root: &Path, bench: &SmpBench) -> Result<Vec<(String, String, String)>> {
    let image = qemu::build(root, bench.board, "wells-smp-scaling", &["smp"])?;
    let boot = Boot { name: "SMP scaling", machine: "virt", cpu: bench.cpu, expect: &[], status: 0 };
    let cpus = bench.scaling_cpus.to_string();
    let mut command = qemu::qemu_command_with(bench.board, &boot, &image, &["-smp", cpus.as_str(), "-accel", "tcg,thread=multi"]);
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
    // One row per CPU count measured: 1, 2, 4 up to the boot's CPUs.
    let wanted = [1, 2, 4].iter().filter(|&&n| n <= bench.scaling_cpus).count();
    if rows.len() != wanted {
        return Err(format!("wells-smp-scaling printed {} rows, expected {wanted}", rows.len()));
    }
    Ok(rows)
}

/// Measures one board and renders its section.
fn board_section(root: &Path, bench: &SmpBench) -> Result<String> {
    let latencies = latencies(root, bench)?;
    let scaling = scaling(root, bench)?;
    let host_cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut md = format!("{}\n\n", bench.title);
    md.push_str(&format!(
        "Written by `cargo xtask bench` (or `cargo xtask bench --smp --write`; this board alone: `cargo xtask bench --smp \
         --board {} --write`). {} built with wells-core `smp` (`images/common/src/smp_kernel/bench.rs`, the same code on \
         every board). Latencies: `wells-smp-bench` on 2 CPUs under `-icount` (QEMU runs the CPUs in turn on one host \
         thread; each figure is read from {} of the CPU that measures, median of 7 repetitions of 200 operations, \
         instructions per operation of both CPUs together, and repeats exactly).\n\n",
        bench.board.name, bench.image, bench.counter
    ));
    md.push_str("| measurement | instructions |\n|---|---:|\n");
    for (name, figure) in &latencies {
        md.push_str(&format!("| {name} | {figure} |\n"));
    }
    md.push_str(&format!(
        "\nScaling: `wells-smp-scaling` on {} CPUs under multi-threaded TCG (each CPU a host thread), the host's clock. \
         Four threads each do 4 000 units (512 rounds of xorshift, then a semaphore post and wait: the kernel's lock \
         taken twice); the same run {}; each run's results must equal the 1-CPU run's. Times vary with the host; the \
         ratio within one run is the figure. It cannot exceed the host's cores: this host has {host_cpus} (aim, issue 18: \
         at least 1.8x on 2 cores and 3.3x on 4).\n\n",
        bench.scaling_cpus, bench.steps
    ));
    md.push_str("| CPUs | time (us) | speed-up over 1 CPU |\n|---|---:|---:|\n");
    for (cpus, micros, ratio) in &scaling {
        md.push_str(&format!("| {cpus} | {micros} | {ratio} |\n"));
    }
    Ok(md)
}

/// Measures every board and renders their sections.
pub fn section(root: &Path) -> Result<String> {
    Ok(BOARDS.iter().map(|bench| board_section(root, bench)).collect::<Result<Vec<_>>>()?.join("\n"))
}

/// The heading a board's section goes before when docs/benchmarks.md has none yet: the next
/// board's section, or after the last the monitor's.
fn next_title(bench: &SmpBench) -> &'static str {
    let at = BOARDS.iter().position(|b| b.title == bench.title).unwrap_or(BOARDS.len());
    BOARDS.get(at + 1).map_or("## Monitor, secure world and full stack", |next| next.title)
}

/// `cargo xtask bench --smp [--board NAME] [--write]`: prints the sections of every board (or
/// of `board`); with `write` also puts them into docs/benchmarks.md.
pub fn command(root: &Path, board: Option<&str>, write: bool) -> Result<()> {
    let chosen: Vec<&SmpBench> = BOARDS.iter().copied().filter(|bench| board.is_none_or(|name| bench.board.name == name)).collect();
    if chosen.is_empty() {
        let names: Vec<&str> = BOARDS.iter().map(|bench| bench.board.name).collect();
        return Err(format!("no SMP bench for board `{}` (boards: {})", board.unwrap_or_default(), names.join(", ")));
    }
    crate::setup::run(root)?;
    // Measure every board first: a failing one writes nothing.
    let sections: Vec<(&SmpBench, String)> = chosen.into_iter().map(|bench| Ok((bench, board_section(root, bench)?))).collect::<Result<_>>()?;
    for (bench, md) in sections {
        println!("\n{md}");
        if write {
            crate::bench::replace_report_section_or_before(root, bench.title, &md, next_title(bench))?;
        }
    }
    Ok(())
}
