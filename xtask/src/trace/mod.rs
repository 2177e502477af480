//! `cargo xtask trace [--system NAME]`: boots a system's demo built with the image feature
//! `trace` under QEMU `-icount` (so two boots give the same trace), reads the traces it prints
//! when its kernels have run (`images/common/src/trace/`), and writes for the system's run
//! `target/trace/<system>.json` (Chrome trace-event JSON: ui.perfetto.dev opens it) and
//! `target/trace/<system>.png` (a timeline of which thread ran when: the whole run, or the part
//! `--window FROM_US..TO_US` names). The same image first runs
//! a known scenario, whose switches `cargo xtask test` checks one by one ([`test`]).

mod chrome;
mod dump;
mod font;
mod timeline;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::qemu::{self, Board, VIRT_ARM64};
use crate::Result;
use dump::Trace;

const USAGE: &str = "usage: cargo xtask trace [--system NAME] [--window FROM_US..TO_US] | --test";
/// The boards whose demo has a `trace` feature: every QEMU board.
const BOARDS: [&Board; 6] = [
    &VIRT_ARM64,
    &crate::hyper::VIRT_ARM64_HYPER,
    &crate::arm32::VIRT_ARM32,
    &crate::hyper::VIRT_ARM32_HYPER,
    &crate::cortex_r52::MPS3_AN536,
    &crate::cortex_m3::MPS2_AN385,
];
/// Wall-clock limit of a traced boot.
const LIMIT: Duration = Duration::from_secs(180);

/// The switches of the known scenario (`images/common/src/trace/scenario.rs`): `high` runs and
/// waits; `a` and `b`, of one priority, alternate at each of their three yields; `a`'s post
/// lets `high` preempt it; `high` ends and `a` gets the CPU back, ends, then `b` ends.
const SCENARIO_SWITCHES: [&str; 11] = ["high", "a", "b", "a", "b", "a", "b", "a", "high", "a", "b"];

pub fn command(root: &Path, args: &[String]) -> Result<()> {
    if let [flag] = args {
        if flag == "--test" {
            test(root)?;
            println!("xtask: the scenario's trace holds exactly the expected switches: {}", SCENARIO_SWITCHES.join(" "));
            return Ok(());
        }
    }
    let (mut system, mut window) = (VIRT_ARM64.system.to_string(), None);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--system" => system = value.clone(),
            "--window" => window = Some(parse_window(value).ok_or_else(|| format!("bad window `{value}`: FROM_US..TO_US, microseconds of the kernel's clock\n{USAGE}"))?),
            _ => return Err(USAGE.into()),
        }
    }
    let traces = boot(root, &system)?;
    let trace = traces.iter().find(|t| t.name == system).ok_or_else(|| format!("the image printed no trace named `{system}`"))?;
    let dir = root.join("target").join("trace");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let json = dir.join(format!("{system}.json"));
    std::fs::write(&json, chrome::render(trace)).map_err(|e| format!("cannot write {}: {e}", json.display()))?;
    let png = dir.join(format!("{system}.png"));
    timeline::draw(trace, &png, window)?;
    let intervals = trace.intervals();
    println!(
        "xtask: trace `{system}`: {} events ({} dropped), {} switches, {} threads",
        trace.events.len(),
        trace.dropped,
        trace.switches().len(),
        trace.rows().len()
    );
    for thread in trace.rows() {
        let ran: u64 = intervals.iter().filter(|i| i.thread == thread).map(|i| i.end_ns - i.start_ns).sum();
        println!("  {:<16} ran {} us", trace.thread_name(thread), ran / 1000);
    }
    println!("xtask: wrote {} (open it in https://ui.perfetto.dev) and {}", relative(root, &json), relative(root, &png));
    Ok(())
}

/// The suite's step: the known scenario's trace holds exactly the expected switches.
pub fn test(root: &Path) -> Result<()> {
    let traces = boot(root, VIRT_ARM64.system)?;
    let scenario = traces.iter().find(|t| t.name == "scenario").ok_or("the image printed no trace `scenario`")?;
    check_switches(scenario, &SCENARIO_SWITCHES)
}

/// `FROM..TO` in microseconds, as ns.
fn parse_window(text: &str) -> Option<(u64, u64)> {
    let (from, to) = text.split_once("..")?;
    let (from, to): (u64, u64) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
    (from < to).then_some((from * 1000, to * 1000))
}

fn check_switches(trace: &Trace, expected: &[&str]) -> Result<()> {
    let seen = trace.switches();
    if trace.dropped != 0 || seen != expected {
        return Err(format!("trace `{}`: switches {seen:?} ({} events dropped), expected {expected:?}", trace.name, trace.dropped));
    }
    Ok(())
}

/// The features of `board`'s traced demo: its demo's and `trace` (none for a board whose demo
/// cannot trace).
pub fn features(board: &Board) -> Option<Vec<&'static str>> {
    BOARDS.iter().any(|b| b.name == board.name).then(|| board.demo_features.iter().copied().chain(["trace"]).collect())
}

/// Builds the demo of `system` with tracing and boots it under `-icount`; the traces it printed.
fn boot(root: &Path, system: &str) -> Result<Vec<Trace>> {
    let described = crate::systems::load(root, system)?;
    let board = crate::systems::board_for(&described)?;
    if !BOARDS.iter().any(|b| b.name == board.name) {
        let names: Vec<&str> = BOARDS.iter().map(|b| b.system).collect();
        return Err(format!("system `{system}` runs on {}, whose demo cannot trace yet; systems that can: {}", board.name, names.join(", ")));
    }
    let features = features(board).ok_or_else(|| format!("{} has no traced demo", board.name))?;
    let image = qemu::build_with_env(root, board, "wells-demo", &features, &crate::systems::env(board, system)?)?;
    let lines = run(root, board, &image)?;
    dump::parse(&lines)
}

/// Boots `image` under `-icount`; its console lines. Fails on a bad exit status or a hang.
fn run(root: &Path, board: &Board, image: &Path) -> Result<Vec<String>> {
    let mut qemu = qemu::bench_command(board, image);
    println!("xtask: tracing: {}", qemu::command_line(&qemu, root));
    let mut child = qemu.current_dir(root).stdin(Stdio::null()).stdout(Stdio::piped()).spawn().map_err(|e| format!("cannot start QEMU: {e}"))?;
    let stdout = child.stdout.take().ok_or("no QEMU stdout")?;
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(std::io::Result::ok) {
            // The dump itself is kept, not shown.
            if !line.starts_with("trace: event") {
                println!("  | {}", line.trim_end());
            }
            lines.push(line);
        }
        lines
    });
    let status = match crate::child::wait_within(&mut child, LIMIT) {
        Ok(Some(status)) => status,
        Ok(None) => return Err(format!("the traced boot hung: killed after {} s", LIMIT.as_secs())),
        Err(e) => return Err(format!("cannot wait for QEMU: {e}")),
    };
    let lines = reader.join().map_err(|_| "console reader panicked")?;
    if !status.success() {
        return Err(format!("the traced boot failed ({}): see its output above", crate::hosted::describe(status)));
    }
    Ok(lines)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_switch_sequence_fails() {
        let lines: Vec<String> = "trace: begin scenario\ntrace: event 0 1 switch 0x1 9\ntrace: event 1 2 switch 0x2 5\n\
             trace: thread 0x1 high\ntrace: thread 0x2 a\ntrace: end scenario 2 events, 0 dropped"
            .lines()
            .map(str::to_string)
            .collect();
        let trace = &dump::parse(&lines).unwrap()[0];
        assert!(check_switches(trace, &["high", "a"]).is_ok());
        assert!(check_switches(trace, &["a", "high"]).is_err());
        assert!(check_switches(trace, &["high", "a", "b"]).is_err());
    }

    #[test]
    fn windows_are_read_in_microseconds() {
        assert_eq!(parse_window("5..7"), Some((5000, 7000)));
        assert_eq!(parse_window("7..5"), None);
        assert_eq!(parse_window("7"), None);
    }
}
