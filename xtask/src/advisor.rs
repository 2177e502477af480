//! The advisor-loop example (`examples/advisor`): `cargo xtask run --example advisor` and its
//! test step (two runs must print the same figures, and the advised run must miss fewer
//! deadlines than the classic one).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::hosted::{build_library, c_files, compile};
use crate::Result;

/// The shipped, deterministic advisor.
const SHIPPED_ADVISOR: &str = "python3 examples/advisor/advisor.py";

/// Builds the library, the decision-set compiler and the example; returns the example.
fn build(root: &Path) -> Result<PathBuf> {
    build_library(root)?;
    crate::cargo(root, &["build", "--release", "-p", "wells-policy"])?;
    let binary = root.join("target/hosted/advisor");
    compile(root, &c_files(root, "examples/advisor")?, &binary)?;
    Ok(binary)
}

fn command(root: &Path, binary: &Path, advisor: &str, work: &str) -> Result<Command> {
    let work = root.join("target").join(work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let mut command = Command::new(binary);
    command
        .current_dir(root)
        .arg(advisor)
        .arg(root.join("target/release/wells-policy"))
        .arg(&work);
    Ok(command)
}

/// `cargo xtask run --example advisor [--advisor CMD]`: runs it on this terminal.
pub fn run(root: &Path, advisor: Option<&str>) -> Result<u8> {
    let binary = build(root)?;
    let status = command(root, &binary, advisor.unwrap_or(SHIPPED_ADVISOR), "advisor")?
        .status()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    Ok(status.code().unwrap_or(1).clamp(0, 255) as u8)
}

/// The (classic, advised) deadline misses the example printed.
fn misses(output: &str) -> Option<(u32, u32)> {
    let line = output.lines().find_map(|l| l.strip_prefix("advisor: deadline misses: classic "))?;
    let (classic, advised) = line.split_once(", advised ")?;
    Some((classic.trim().parse().ok()?, advised.trim().parse().ok()?))
}

/// Test step: two runs with the shipped advisor, identical output, exit 0, and the advised run
/// misses fewer deadlines than a classic run that misses some (counted on simulated time, so
/// the verdict does not depend on how loaded the machine is).
pub fn test(root: &Path) -> Result<()> {
    let binary = build(root)?;
    let mut outputs = Vec::new();
    for run in ["advisor-test-1", "advisor-test-2"] {
        let output = command(root, &binary, SHIPPED_ADVISOR, run)?
            .output()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let text = String::from_utf8_lossy(&output.stdout).replace(run, "<work>");
        print!("{text}");
        if !output.status.success() {
            return Err(format!("the advisor example failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr)));
        }
        outputs.push(text);
    }
    if outputs[0] != outputs[1] {
        return Err("two runs of the advisor example printed different figures".to_string());
    }
    match misses(&outputs[0]) {
        Some((classic, advised)) if classic > 0 && advised < classic => Ok(()),
        Some((classic, advised)) => Err(format!("deadline misses: classic {classic}, advised {advised}: the classic run must miss and the advised one miss fewer")),
        None => Err("the advisor example printed no `advisor: deadline misses:` line".to_string()),
    }
}
