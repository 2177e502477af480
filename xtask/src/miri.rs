//! The Miri step: the core's host tests that switch no stacks (the library's own unit tests, the
//! run queues, the timeline) run under Miri, which stops at any undefined behaviour. Miri needs a
//! nightly toolchain with the `miri` and `rust-src` components; the step asks rustup for them
//! when they are missing, and is skipped with the reason when rustup cannot get them.

use std::path::Path;
use std::process::Command;

use crate::Result;

/// The test targets of wells-core that run without switching stacks (the rest drive real
/// threads through inline assembly, which Miri cannot run).
const TARGETS: &[&str] = &["--lib", "--test", "run_queues", "--test", "timeline"];

/// What the suite should record.
pub enum Step {
    Ran(Result<()>),
    Skipped(String),
}

/// Runs the Miri tests, getting nightly Miri through rustup first if need be.
pub fn run(root: &Path) -> Step {
    if let Err(why) = ensure_miri(root) {
        return Step::Skipped(why);
    }
    let mut command = Command::new("cargo");
    command
        .args(["+nightly", "miri", "test", "-p", "wells-core"])
        .args(TARGETS)
        .current_dir(root)
        // Its own target directory: Miri's builds never invalidate the normal ones.
        .env("CARGO_TARGET_DIR", root.join("target/miri"))
        .env_remove("RUSTC")
        .env_remove("RUSTC_WRAPPER");
    Step::Ran(crate::run_status(&mut command, "cargo +nightly miri test -p wells-core"))
}

/// Nightly with miri and rust-src, installed through rustup when missing.
fn ensure_miri(root: &Path) -> std::result::Result<(), String> {
    let has_miri = || {
        Command::new("rustup")
            .args(["component", "list", "--toolchain", "nightly", "--installed"])
            .current_dir(root)
            .output()
            .is_ok_and(|out| {
                let installed = String::from_utf8_lossy(&out.stdout);
                out.status.success() && ["miri", "rust-src"].iter().all(|c| installed.lines().any(|l| l.starts_with(c)))
            })
    };
    if has_miri() {
        return Ok(());
    }
    println!("xtask test: Miri needs nightly with miri and rust-src: asking rustup for them");
    let status = Command::new("rustup")
        .args(["toolchain", "install", "nightly", "--profile", "minimal", "--component", "miri,rust-src"])
        .current_dir(root)
        .status();
    match status {
        Ok(status) if status.success() && has_miri() => Ok(()),
        Ok(status) => Err(format!("rustup could not install nightly Miri ({status}); install it with `rustup toolchain install nightly --component miri,rust-src`")),
        Err(e) => Err(format!("rustup is not available ({e}): Miri cannot be installed here")),
    }
}
