//! The OSEK/VDX OS personality (`openautosar/`), hosted: `tools/wells-oil` turns each OIL file
//! into its static tables (Os_Cfg.h, Os_Cfg.c), gcc compiles the application with
//! openautosar/src against target/release/libwells.a and adapters/posix, and the program runs
//! with a time limit. The conformance tests (`openautosar/tests/*.oil` + `*.c`) each check the
//! order tasks ran in and every service's codes, print `N passed, N failed` and exit 1 when a
//! check failed. `cargo xtask osek [--test]` and `cargo xtask run --example osek`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::hosted::{self, Toolchain};
use crate::Result;

/// Each conformance test and the example must end within this (they take well under a second).
const TIME_LIMIT: Duration = Duration::from_secs(60);
const TESTS: &str = "openautosar/tests";
const EXAMPLE: &str = "openautosar/examples/osek";

fn generator(root: &Path) -> PathBuf {
    root.join("target/release/wells-oil")
}

fn build_generator(root: &Path) -> Result<()> {
    crate::cargo(root, &["build", "--release", "-p", "wells-oil"])
}

/// Where one application's generated tables and program go.
fn output_dir(root: &Path, name: &str) -> PathBuf {
    root.join("target/osek").join(name)
}

/// `wells-oil OIL DIR`.
fn generate(root: &Path, oil: &Path, dir: &Path) -> Result<()> {
    let mut command = Command::new(generator(root));
    command.current_dir(root).arg(oil).arg(dir);
    crate::run_status(&mut command, &format!("wells-oil {}", oil.display()))
}

/// Generates the tables of `oil` and compiles `sources` with the OS into target/osek/`name`/`name`.
fn build_app(root: &Path, name: &str, oil: &Path, sources: &[PathBuf]) -> Result<PathBuf> {
    let dir = output_dir(root, name);
    generate(root, oil, &dir)?;
    let relative = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
    // The include folder of this application's Os_Cfg.h: Toolchain takes 'static flags.
    let generated: &'static str = Box::leak(format!("-I{}", relative.display()).into_boxed_str());
    let flags: &'static [&'static str] = Box::leak(vec!["-Iopenautosar/include", "-Iopenautosar/src", generated].into_boxed_slice());
    let toolchain = Toolchain { cflags: flags, ..Toolchain::host(root) };
    let mut all = sources.to_vec();
    all.extend(hosted::c_files(root, "openautosar/src")?);
    all.push(relative.join("Os_Cfg.c"));
    let binary = dir.join(name);
    hosted::compile_with(root, &toolchain, &all, &binary)?;
    Ok(binary)
}

/// The conformance tests: (name, OIL file, C file), one per `openautosar/tests/*.oil`.
fn conformance_tests(root: &Path) -> Result<Vec<(String, PathBuf, PathBuf)>> {
    let entries = std::fs::read_dir(root.join(TESTS)).map_err(|e| format!("cannot read {TESTS}/: {e}"))?;
    let mut tests = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read {TESTS}/: {e}"))?.path();
        if path.extension().is_some_and(|ext| ext == "oil") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().to_string();
            let source = Path::new(TESTS).join(format!("{stem}.c"));
            if !root.join(&source).is_file() {
                return Err(format!("{} has no {}", path.display(), source.display()));
            }
            tests.push((stem.clone(), Path::new(TESTS).join(format!("{stem}.oil")), source));
        }
    }
    tests.sort();
    if tests.is_empty() {
        return Err(format!("no {TESTS}/*.oil found"));
    }
    Ok(tests)
}

fn build_example(root: &Path) -> Result<PathBuf> {
    build_app(root, "osek-example", &Path::new(EXAMPLE).join("osek.oil"), &hosted::c_files(root, EXAMPLE)?)
}

/// Runs a conformance test with the time limit, its output passed through; it must exit with
/// 0 and end with a tally line "N passed, 0 failed" (N > 0), so a test that ended early (or
/// never printed its tally) fails even when its status was 0.
fn run_test(root: &Path, binary: &Path) -> Result<()> {
    use std::io::Read;
    println!("xtask: running {} (limit {} s)", binary.display(), TIME_LIMIT.as_secs());
    let mut child = Command::new(binary)
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let deadline = std::time::Instant::now() + TIME_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let text = reader.join().unwrap_or_default();
                print!("{text}");
                return Err(format!("{} timed out after {} s and was killed", binary.display(), TIME_LIMIT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for {}: {e}", binary.display())),
        }
    };
    let text = reader.join().unwrap_or_default();
    print!("{text}");
    if !status.success() {
        return Err(format!("{} failed: {}", binary.display(), hosted::describe(status)));
    }
    let tally = text.lines().last().unwrap_or("");
    match tally.split_once(" passed, ") {
        Some((passed, "0 failed")) if passed.parse::<u32>().is_ok_and(|n| n > 0) => Ok(()),
        _ => Err(format!("{} ended without a \"N passed, 0 failed\" tally (last line: {tally:?})", binary.display())),
    }
}

/// Test steps: the generator's unit tests, every conformance test, the example. Each runs even
/// when another failed; the library or generator not building fails the steps that need them.
pub fn tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = vec![("cargo test -p wells-oil (OIL parser: errors and tolerances)".to_string(), crate::cargo(root, &["test", "-p", "wells-oil"]))];
    let ready = hosted::build_library(root).and_then(|()| build_generator(root));
    let not_ready = || ready.as_ref().err().map(|e| Err(format!("not run: {e}")));
    match conformance_tests(root) {
        Ok(tests) => {
            for (name, oil, source) in tests {
                let result = not_ready().unwrap_or_else(|| {
                    build_app(root, &name, &oil, std::slice::from_ref(&source)).and_then(|binary| run_test(root, &binary))
                });
                results.push((format!("OSEK conformance test {} ({})", source.display(), oil.display()), result));
            }
        }
        Err(message) => results.push(("OSEK conformance tests".to_string(), Err(message))),
    }
    let example = not_ready()
        .unwrap_or_else(|| build_example(root).and_then(|binary| hosted::run_with_limit(root, &binary, &[], TIME_LIMIT)));
    results.push((format!("OSEK example {EXAMPLE} (hosted)"), example));
    results
}

/// `cargo xtask run --example osek`: builds the example and runs it on this terminal.
pub fn run_example(root: &Path) -> Result<u8> {
    hosted::build_library(root)?;
    build_generator(root)?;
    let binary = build_example(root)?;
    println!("xtask: running {}", binary.display());
    let status = Command::new(&binary)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    match status.code() {
        Some(code) => Ok(code.clamp(0, 255) as u8),
        None => Err(format!("{} {}", binary.display(), hosted::describe(status))),
    }
}

/// `cargo xtask osek [--test]`: builds the example and every conformance test; with `--test`
/// runs them (the suite's steps). A PASS/FAIL tally.
pub fn command(root: &Path, rest: &[String]) -> Result<u8> {
    let run_tests = match rest {
        [] => false,
        [flag] if flag == "--test" => true,
        _ => return Err(format!("bad arguments for `osek`: {} (usage: cargo xtask osek [--test])", rest.join(" "))),
    };
    crate::setup::run(root)?;
    let mut summary = crate::summary::Summary::new("xtask osek");
    if run_tests {
        for (name, result) in tests(root) {
            summary.record(&name, result);
        }
    } else {
        let ready = hosted::build_library(root).and_then(|()| build_generator(root));
        let ok = ready.is_ok();
        summary.record("libwells.a and tools/wells-oil", ready);
        if ok {
            summary.record(&format!("build {EXAMPLE}"), build_example(root).map(|_| ()));
            match conformance_tests(root) {
                Ok(tests) => {
                    for (name, oil, source) in tests {
                        let result = build_app(root, &name, &oil, std::slice::from_ref(&source)).map(|_| ());
                        summary.record(&format!("build {}", source.display()), result);
                    }
                }
                Err(message) => summary.record("OSEK conformance tests", Err(message)),
            }
        }
    }
    Ok(if summary.finish() { 0 } else { 1 })
}
