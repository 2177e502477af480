//! The user programs of `user/apps` (and the hypervisor's guests), built for each instruction
//! set a board's tasks use; the board image embeds them (its features, e.g. `user` / `user32`,
//! read the paths from the environment).

use std::path::{Path, PathBuf};

use crate::Result;

/// Programs a board image embeds: the package that builds them, its Rust target, and the
/// environment variable naming the build output for the board image.
pub struct UserTarget {
    pub package: &'static str,
    pub target: &'static str,
    pub env: &'static str,
}

/// AArch64 EL0 programs.
pub const A64: UserTarget = UserTarget { package: "wells-user-apps", target: "aarch64-unknown-none-softfloat", env: "WELLS_USER_APPS_64" };
/// AArch32 EL0 programs.
pub const A32: UserTarget = UserTarget { package: "wells-user-apps", target: "armv7a-none-eabi", env: "WELLS_USER_APPS_32" };
/// AArch64 EL1 guests of the hypervisor (the bare test guest).
pub const GUESTS_A64: UserTarget = UserTarget { package: "wells-bare-guest", target: "aarch64-unknown-none-softfloat", env: "WELLS_GUESTS_64" };
/// ARMv7-A PL1 guests of the hypervisor (the bare test guest).
pub const GUESTS_A32: UserTarget = UserTarget { package: "wells-bare-guest", target: "armv7a-none-eabi", env: "WELLS_GUESTS_32" };

/// Builds the programs of `user`; returns the directory holding the ELF files.
pub fn build(root: &Path, user: &UserTarget) -> Result<PathBuf> {
    crate::cargo(root, &["build", "--release", "-p", user.package, "--target", user.target])?;
    Ok(root.join("target").join(user.target).join("release"))
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
