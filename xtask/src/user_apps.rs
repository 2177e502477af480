//! The user programs of `user/apps` (and the hypervisor's guests), built for each instruction
//! set a board's tasks use; the board image embeds them (its features, e.g. `user` / `user32`,
//! read the paths from the environment). For an MPU board they are position-independent
//! executables (`user/README.md`), built for that board (its addresses, `WELLS_USER_BOARD`).

use std::path::{Path, PathBuf};

use crate::Result;

/// Programs a board image embeds: the package that builds them, its Rust target, and the
/// environment variable naming the build output for the board image.
pub struct UserTarget {
    pub package: &'static str,
    pub target: &'static str,
    pub env: &'static str,
    /// The MPU board they are built for: position-independent executables (`-C
    /// relocation-model=pie`, `core` built from source the same way), the board's facts
    /// (`WELLS_USER_BOARD`), no debug info or symbols, in `target/user-apps/<board>/`. `None`: linked at
    /// their fixed address for MMU boards (or as guests), in `target/`.
    pub board: Option<&'static str>,
}

/// AArch64 EL0 programs.
pub const A64: UserTarget = UserTarget { package: "wells-user-apps", target: "aarch64-unknown-none-softfloat", env: "WELLS_USER_APPS_64", board: None };
/// AArch32 EL0 programs.
pub const A32: UserTarget = UserTarget { package: "wells-user-apps", target: "armv7a-none-eabi", env: "WELLS_USER_APPS_32", board: None };
/// AArch64 EL1 guests of the hypervisor (the bare test guest).
pub const GUESTS_A64: UserTarget = UserTarget { package: "wells-bare-guest", target: "aarch64-unknown-none-softfloat", env: "WELLS_GUESTS_64", board: None };
/// ARMv7-A PL1 guests of the hypervisor (the bare test guest).
pub const GUESTS_A32: UserTarget = UserTarget { package: "wells-bare-guest", target: "armv7a-none-eabi", env: "WELLS_GUESTS_32", board: None };
/// Thumb programs for the Cortex-M3 (`mps2-an385`), position-independent.
pub const T32_MPS2_AN385: UserTarget =
    UserTarget { package: "wells-user-apps", target: "thumbv7m-none-eabi", env: "WELLS_USER_APPS_T32", board: Some("mps2-an385") };
/// The same for the Cortex-R52 (`mps3-an536`), which runs them in Thumb state at EL0.
pub const T32_MPS3_AN536: UserTarget =
    UserTarget { package: "wells-user-apps", target: "thumbv7m-none-eabi", env: "WELLS_USER_APPS_T32", board: Some("mps3-an536") };

/// Builds the programs of `user`; returns the directory holding the ELF files.
pub fn build(root: &Path, user: &UserTarget) -> Result<PathBuf> {
    let Some(board) = user.board else {
        crate::cargo(root, &["build", "--release", "-p", user.package, "--target", user.target])?;
        return Ok(root.join("target").join(user.target).join("release"));
    };
    let dir = root.join("target").join("user-apps").join(board);
    let dir_arg = dir.to_string_lossy().into_owned();
    let args = [
        "build", "--release", "-p", user.package, "--target", user.target, "--target-dir", dir_arg.as_str(),
        // Every instruction, core's too, must reach its data PC-relative.
        "-Zbuild-std=core", "-Zbuild-std-features=compiler-builtins-mem",
    ];
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = std::process::Command::new(cargo);
    command
        .args(args)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        // The kernel reads only program headers and the dynamic table: no symbols either (about
        // 40 % off each program embedded in the board's image).
        .env("RUSTFLAGS", "-C relocation-model=pie -C link-arg=--strip-all")
        .env("WELLS_USER_BOARD", board)
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0");
    crate::run_status(&mut command, &format!("WELLS_USER_BOARD={board} RUSTFLAGS='-C relocation-model=pie -C link-arg=--strip-all' cargo {}", args.join(" ")))?;
    Ok(dir.join(user.target).join("release"))
}

/// The user programs a board image embeds for one instruction set, when it is built with one
/// of `features` (always, when `features` is empty).
pub struct UserPrograms {
    pub user: &'static UserTarget,
    pub features: &'static [&'static str],
}

/// Builds every instruction set of `programs` that `features` ask for; returns the environment
/// the board image build needs.
pub fn build_for_features(root: &Path, programs: &[UserPrograms], features: &[&str]) -> Result<Vec<(&'static str, PathBuf)>> {
    let mut environment = Vec::new();
    for program in programs {
        if program.features.is_empty() || program.features.iter().any(|feature| features.contains(feature)) {
            environment.push((program.user.env, build(root, program.user)?));
        }
    }
    Ok(environment)
}
