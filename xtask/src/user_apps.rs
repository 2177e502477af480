//! The user programs of `user/apps`, built for each instruction set a board's tasks use; the
//! board image embeds them (its `user` / `user32` features read the paths from the environment).

use std::path::{Path, PathBuf};

use crate::Result;

/// A user instruction set: its Rust target and the environment variable naming the build
/// output for the board image.
pub struct UserTarget {
    pub target: &'static str,
    pub env: &'static str,
}

/// AArch64 EL0 programs.
pub const A64: UserTarget = UserTarget { target: "aarch64-unknown-none-softfloat", env: "WELLS_USER_APPS_64" };
/// AArch32 EL0 programs.
pub const A32: UserTarget = UserTarget { target: "armv7a-none-eabi", env: "WELLS_USER_APPS_32" };

/// Builds the user programs for `user`; returns the directory holding the ELF files.
pub fn build(root: &Path, user: &UserTarget) -> Result<PathBuf> {
    crate::cargo(root, &["build", "--release", "-p", "wells-user-apps", "--target", user.target])?;
    Ok(root.join("target").join(user.target).join("release"))
}

/// Builds every instruction set the features ask for; returns the environment the board
/// image build needs.
pub fn build_for_features(root: &Path, features: &[&str]) -> Result<Vec<(&'static str, PathBuf)>> {
    let mut environment = Vec::new();
    if features.contains(&"user") || features.contains(&"user32") {
        environment.push((A64.env, build(root, &A64)?));
    }
    if features.contains(&"user32") {
        environment.push((A32.env, build(root, &A32)?));
    }
    Ok(environment)
}
