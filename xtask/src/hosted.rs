//! Hosted C programs: build libwells.a, compile C against it with gcc, run with a time limit.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use crate::Result;

/// gcc flags for every hosted C program (run from the repo root).
const CFLAGS: &[&str] = &[
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-std=c11",
    "-Iinclude",
    "-Iadapters/posix",
];
/// Libraries after libwells.a.
/// Link flags: unused archive members of libwells.a (core formatting, tables) are dropped.
const LDLIBS: &[&str] = &["-Wl,--gc-sections", "-lpthread", "-lrt"];

pub(crate) const C_ABI_TIME_LIMIT: Duration = Duration::from_secs(120);
const EXAMPLE_TIME_LIMIT: Duration = Duration::from_secs(60);

fn library_path(root: &Path) -> PathBuf {
    root.join("target/release/libwells.a")
}

pub(crate) fn output_dir(root: &Path) -> PathBuf {
    root.join("target/hosted")
}

/// `cargo build --release -p wells-ffi`, then checks that libwells.a is there.
pub fn build_library(root: &Path) -> Result<()> {
    crate::cargo(root, &["build", "--release", "-p", "wells-ffi"])?;
    let library = library_path(root);
    if !library.is_file() {
        return Err(format!(
            "cargo built wells-ffi but {} does not exist (is the crate-type staticlib and the lib name `wells`?)",
            library.display()
        ));
    }
    Ok(())
}

/// The `*.c` files directly in `dir` (relative to the root), sorted; an error when there are none.
pub(crate) fn c_files(root: &Path, dir: &str) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(root.join(dir))
        .map_err(|e| format!("no {dir}/*.c: cannot read {dir}/: {e}"))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {dir}/: {e}"))?
            .path();
        if path.is_file() && path.extension().is_some_and(|ext| ext == "c") {
            files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(format!("no {dir}/*.c found"));
    }
    Ok(files)
}

/// A C compiler and the libwells.a it links: the machine's own, or a cross compiler and the
/// library built for its CPU (`library_arm.rs`).
pub(crate) struct Toolchain {
    /// The gcc to run.
    pub gcc: &'static str,
    /// The libwells.a to link.
    pub library: PathBuf,
    /// Extra flags (`-D...`) for the C files.
    pub cflags: &'static [&'static str],
}

impl Toolchain {
    /// The machine's gcc and target/release/libwells.a.
    pub fn host(root: &Path) -> Toolchain {
        Toolchain { gcc: "gcc", library: library_path(root), cflags: &[] }
    }
}

/// Compiles `sources` + adapters/posix/*.c + libwells.a into `output` with gcc.
pub(crate) fn compile(root: &Path, sources: &[PathBuf], output: &Path) -> Result<()> {
    compile_with(root, &Toolchain::host(root), sources, output)
}

/// Compiles `sources` + adapters/posix/*.c + the toolchain's libwells.a into `output`.
pub(crate) fn compile_with(root: &Path, toolchain: &Toolchain, sources: &[PathBuf], output: &Path) -> Result<()> {
    let adapter = c_files(root, "adapters/posix")?;
    if !toolchain.library.is_file() {
        return Err(format!(
            "{} is missing (the library build failed)",
            toolchain.library.display()
        ));
    }
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut gcc = Command::new(toolchain.gcc);
    gcc.current_dir(root)
        .args(CFLAGS)
        .args(toolchain.cflags)
        .args(sources)
        .args(&adapter)
        .arg(&toolchain.library)
        .args(LDLIBS)
        .arg("-o")
        .arg(output);
    let shown: Vec<String> = sources.iter().map(|s| s.display().to_string()).collect();
    println!("xtask: {} {} -> {}", toolchain.gcc, shown.join(" "), output.display());
    crate::run_status(&mut gcc, toolchain.gcc)
}

/// Human words for an exit status.
pub fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => format!("{status}"),
    }
}

/// Runs `program` with `args` and inherited output; kills it and fails when it outlives `limit`.
pub(crate) fn run_with_limit(root: &Path, program: &Path, args: &[&str], limit: Duration) -> Result<()> {
    println!(
        "xtask: running {} (limit {} s)",
        program.display(),
        limit.as_secs()
    );
    let mut child = Command::new(program)
        .args(args)
        .current_dir(root)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    match crate::child::wait_within(&mut child, limit) {
        Ok(Some(status)) if status.success() => Ok(()),
        Ok(Some(status)) => Err(format!("{} failed: {}", program.display(), describe(status))),
        Ok(None) => Err(format!("{} timed out after {} s and was killed", program.display(), limit.as_secs())),
        Err(e) => Err(format!("cannot wait for {}: {e}", program.display())),
    }
}

fn example_binary(root: &Path) -> PathBuf {
    output_dir(root).join("c-hosted")
}

/// `cargo xtask run` on the hosted board: build the example, run it, return its status.
pub fn run_example(root: &Path) -> Result<u8> {
    let binary = example_binary(root);
    compile(root, &c_files(root, "examples/c-hosted")?, &binary)?;
    println!("xtask: running {}", binary.display());
    let status = Command::new(&binary)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ok(code.clamp(0, 255) as u8),
        (None, Some(signal)) => {
            eprintln!("xtask: {} {}", binary.display(), describe(status));
            Ok((128 + signal).clamp(0, 255) as u8)
        }
        (None, None) => Err(format!("{} ended with {status}", binary.display())),
    }
}

/// Test step: build and run examples/c-hosted with a 60 s limit.
pub fn test_example(root: &Path, library_ok: bool) -> Result<()> {
    if !library_ok {
        return Err("not run: libwells.a did not build".to_string());
    }
    let binary = example_binary(root);
    compile(root, &c_files(root, "examples/c-hosted")?, &binary)?;
    run_with_limit(root, &binary, &[], EXAMPLE_TIME_LIMIT)
}

/// Test steps: every tests/c-abi/*.c as its own program, 120 s each.
/// Returns one (step name, result) per program, or one failed step when there are none.
pub fn run_c_abi_tests(root: &Path, library_ok: bool) -> Vec<(String, Result<()>)> {
    let tests = match c_files(root, "tests/c-abi") {
        Ok(tests) => tests,
        Err(message) => return vec![("C ABI tests tests/c-abi/*.c".to_string(), Err(message))],
    };
    let mut results = Vec::new();
    for source in tests {
        let stem = source
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let name = format!("C ABI test {}", source.display());
        let result = if library_ok {
            let binary = output_dir(root).join("c-abi").join(&stem);
            compile(root, std::slice::from_ref(&source), &binary)
                .and_then(|()| run_with_limit(root, &binary, &[], C_ABI_TIME_LIMIT))
        } else {
            Err("not run: libwells.a did not build".to_string())
        };
        results.push((name, result));
    }
    results
}

/// gcc flags for the sanitizer builds. Stack instrumentation is off: wells threads run on
/// stacks the library switches, and frames that never return (thread exit, transaction
/// restart) would leave ASan's stack redzones poisoned in memory the heap hands out again.
const SANITIZE: &[&str] = &["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "--param", "asan-stack=0", "-Itests/fuzz"];
/// Each sanitizer and fuzz program must end within this.
const SANITIZE_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Compiles like `compile`, with the sanitizers.
fn compile_sanitized(root: &Path, source: &Path, output: &Path) -> Result<()> {
    let adapter = c_files(root, "adapters/posix")?;
    if let Some(dir) = output.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut gcc = Command::new("gcc");
    gcc.current_dir(root)
        .args(CFLAGS)
        .args(SANITIZE)
        .arg(source)
        .args(&adapter)
        .arg(library_path(root))
        .args(LDLIBS)
        .arg("-o")
        .arg(output);
    println!("xtask: gcc -fsanitize=address,undefined {} -> {}", source.display(), output.display());
    crate::run_status(&mut gcc, "gcc (sanitizers)")
}

/// Test step: every tests/c-abi/*.c built with ASan and UBSan, run once.
pub fn run_c_abi_sanitized(root: &Path, library_ok: bool) -> Result<()> {
    if !library_ok {
        return Err("not run: libwells.a did not build".to_string());
    }
    for source in c_files(root, "tests/c-abi")? {
        let stem = source.file_stem().unwrap_or_default().to_string_lossy().to_string();
        let binary = output_dir(root).join("c-abi-sanitized").join(&stem);
        compile_sanitized(root, &source, &binary)?;
        run_with_limit(root, &binary, &[], SANITIZE_TIME_LIMIT)?;
    }
    Ok(())
}

/// Test step: one seeded fuzz driver of tests/fuzz (`fuzz_<name>.c`), with the sanitizers; it
/// prints its count of inputs or calls and findings, and fails on any finding.
pub fn run_fuzz(root: &Path, library_ok: bool, name: &str) -> Result<()> {
    if !library_ok {
        return Err("not run: libwells.a did not build".to_string());
    }
    let source = PathBuf::from(format!("tests/fuzz/fuzz_{name}.c"));
    let binary = output_dir(root).join("fuzz").join(name);
    compile_sanitized(root, &source, &binary)?;
    run_with_limit(root, &binary, &[], SANITIZE_TIME_LIMIT)
}
