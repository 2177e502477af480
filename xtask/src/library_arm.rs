//! libwells.a for Arm: the C library built for each Arm CPU wells supports, with the joining
//! port (`wells-core/src/arch/joined/`), so another OS on that CPU can link it. The suite checks
//! that each archive defines every function `include/wells.h` declares, and runs the C ABI tests
//! and the hosted example against the aarch64 archive in aarch64 Linux processes under QEMU's
//! user-mode emulation (`qemu-aarch64`, Debian's qemu-user; gcc-aarch64-linux-gnu links them).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::hosted::{self, Toolchain};
use crate::Result;

/// One Arm build of the library.
pub struct ArmLibrary {
    /// Rust target.
    pub target: &'static str,
    /// Who links it.
    pub what: &'static str,
    /// rustup ships no prebuilt `core`/`alloc` for the target: build them (`-Zbuild-std`).
    pub build_std: bool,
}

/// The Arm builds. aarch64 is the hard-float target, so its switch keeps d8-d15 as the C code of
/// a Linux process expects; the 32-bit A-profile and M-profile builds are soft-float (a host that
/// keeps FP registers live across calls into wells wants an `eabihf` build).
pub const LIBRARIES: &[ArmLibrary] = &[
    ArmLibrary { target: AARCH64, what: "arm64: Linux user space, an OS at EL1", build_std: false },
    ArmLibrary { target: "armv7a-none-eabi", what: "Cortex-A15/A7: an OS in SVC mode", build_std: false },
    ArmLibrary { target: "thumbv7m-none-eabi", what: "Cortex-M3: an RTOS in handler/thread mode", build_std: false },
    ArmLibrary { target: "armv8r-none-eabihf", what: "Cortex-R52: an OS at EL1", build_std: true },
];

/// The library the aarch64 C tests link.
pub const AARCH64: &str = "aarch64-unknown-none";
/// The cross compiler of those tests and the sysroot qemu-aarch64 loads their libc from.
const AARCH64_GCC: &str = "aarch64-linux-gnu-gcc";
const AARCH64_SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// The archive of `target` once built.
pub fn archive(root: &Path, target: &str) -> PathBuf {
    root.join("target").join(target).join("release/libwells.a")
}

/// `cargo <action> --release -p wells-ffi` for the library's target.
fn cargo(root: &Path, action: &str, library: &ArmLibrary, after: &[&str]) -> Result<()> {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string()));
    cargo.current_dir(root).args([action, "--release", "-p", "wells-ffi", "--target", library.target]);
    if library.build_std {
        // The one build that needs the unstable flag gets RUSTC_BOOTSTRAP, as the R52 images do.
        cargo.arg("-Zbuild-std=core,alloc").env("RUSTC_BOOTSTRAP", "1");
    }
    cargo.args(after);
    crate::run_status(&mut cargo, &format!("cargo {action} -p wells-ffi --target {}", library.target))
}

/// Clippy, warnings denied, over wells-ffi and the joining port for the library's target.
pub fn clippy(root: &Path, library: &ArmLibrary) -> Result<()> {
    cargo(root, "clippy", library, &["--", "-D", "warnings"])
}

/// Builds libwells.a for `library.target` and checks it defines every function of the header.
pub fn build(root: &Path, library: &ArmLibrary) -> Result<()> {
    cargo(root, "build", library, &[])?;
    let archive = archive(root, library.target);
    let defined = defined_functions(&archive)?;
    let missing: Vec<String> = header_functions(root)?.into_iter().filter(|f| !defined.contains(f)).collect();
    if !missing.is_empty() {
        return Err(format!("{} lacks functions include/wells.h declares: {}", archive.display(), missing.join(", ")));
    }
    Ok(())
}

/// The functions `include/wells.h` declares (`<type> wells_name(`).
fn header_functions(root: &Path) -> Result<Vec<String>> {
    let header = std::fs::read_to_string(root.join("include/wells.h")).map_err(|e| format!("cannot read include/wells.h: {e}"))?;
    let names: Vec<String> = header
        .lines()
        .filter(|line| !line.starts_with([' ', '/', '#', '}']))
        .filter_map(|line| {
            let open = line.find('(')?;
            let name = line[..open].rsplit([' ', '*']).next()?;
            name.starts_with("wells_").then(|| name.to_string())
        })
        .collect();
    if names.is_empty() {
        return Err("include/wells.h declares no wells_ function (did its format change?)".to_string());
    }
    Ok(names)
}

/// The global text symbols an archive defines (`nm`, which reads every ELF the toolchain makes).
fn defined_functions(archive: &Path) -> Result<Vec<String>> {
    let out = Command::new("nm")
        .args(["-g", "--defined-only"])
        .arg(archive)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    if !out.status.success() {
        return Err(format!("nm {}: {}", archive.display(), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| match line.split_whitespace().collect::<Vec<_>>()[..] {
            [_, "T", name] => Some(name.to_string()),
            _ => None,
        })
        .collect())
}

/// The toolchain of the aarch64 C programs. `WELLS_TEST_EMULATED` widens the C tests' idle
/// wake-up bound: under emulation the wake-up path costs more CPU time (tests/c-abi/check.h).
fn aarch64_toolchain(root: &Path) -> Toolchain {
    Toolchain { gcc: AARCH64_GCC, library: archive(root, AARCH64), cflags: &["-DWELLS_TEST_EMULATED"] }
}

/// Builds `sources` for aarch64 into target/hosted/aarch64/`name` and runs it under qemu-aarch64.
fn build_and_run(root: &Path, sources: &[PathBuf], name: &str) -> Result<()> {
    let binary = hosted::output_dir(root).join("aarch64").join(name);
    hosted::compile_with(root, &aarch64_toolchain(root), sources, &binary)?;
    let binary = binary.to_string_lossy().to_string();
    hosted::run_with_limit(root, Path::new("qemu-aarch64"), &["-L", AARCH64_SYSROOT, &binary], hosted::C_ABI_TIME_LIMIT)
}

/// `cargo xtask arm-library [--test]`: the builds (and with `--test` the aarch64 C programs),
/// each a step of a PASS/FAIL tally.
pub fn command(root: &Path, rest: &[String]) -> Result<u8> {
    let run_tests = match rest {
        [] => false,
        [flag] if flag == "--test" => true,
        _ => return Err(format!("bad arguments for `arm-library`: {} (usage: cargo xtask arm-library [--test])", rest.join(" "))),
    };
    crate::setup::run(root)?;
    let mut summary = crate::summary::Summary::new("xtask arm-library");
    if run_tests {
        for (name, result) in tests(root) {
            summary.record(&name, result);
        }
    } else {
        for library in LIBRARIES {
            let result = build(root, library).map(|()| println!("xtask: {}", archive(root, library.target).display()));
            summary.record(&format!("libwells.a for {} ({})", library.target, library.what), result);
        }
    }
    Ok(if summary.finish() { 0 } else { 1 })
}

/// Test steps: each Arm build of the library, then every tests/c-abi program and the hosted
/// example against the aarch64 one, in aarch64 processes under qemu-aarch64.
pub fn tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    let mut aarch64_ok = false;
    for library in LIBRARIES {
        let result = build(root, library);
        if library.target == AARCH64 {
            aarch64_ok = result.is_ok();
        }
        results.push((format!("libwells.a for {} ({}): builds, defines every wells.h function", library.target, library.what), result));
    }
    let not_built = || Err(format!("not run: libwells.a for {AARCH64} did not build"));
    match hosted::c_files(root, "tests/c-abi") {
        Ok(tests) => {
            for source in tests {
                let stem = source.file_stem().unwrap_or_default().to_string_lossy().to_string();
                let result = if aarch64_ok { build_and_run(root, std::slice::from_ref(&source), &stem) } else { not_built() };
                results.push((format!("C ABI test {} on aarch64 (qemu-aarch64)", source.display()), result));
            }
        }
        Err(message) => results.push(("C ABI tests on aarch64".to_string(), Err(message))),
    }
    let example = if aarch64_ok { hosted::c_files(root, "examples/c-hosted").and_then(|s| build_and_run(root, &s, "c-hosted")) } else { not_built() };
    results.push(("example examples/c-hosted on aarch64 (qemu-aarch64)".to_string(), example));
    results
}
