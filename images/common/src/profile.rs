//! Marks for `cargo xtask profile`, which boots the bench image built with the `profile` feature
//! while QEMU logs every instruction it executes: the instructions between two calls of
//! [`mark`] are one measured repetition (a window), and the `profile:` lines printed by [`row`]
//! say which row the next windows belong to and how many operations each holds.
//!
//! A mark sits outside the counter readings of a timed loop, so it changes no figure; in a
//! build without the feature [`row`] prints nothing.

use crate::Platform;
use core::sync::atomic::{compiler_fence, Ordering};

/// Where a window opens or closes; `cargo xtask profile` finds it by this name.
#[inline(never)]
pub fn mark() {
    compiler_fence(Ordering::SeqCst);
}

/// Announces a row: its next `windows` windows hold `ops` operations each, run by the kernel
/// and by the user `programs` named (space-separated, `""` for none).
pub fn row<P: Platform>(name: &str, windows: u64, ops: u64, programs: &str) {
    if cfg!(feature = "profile") {
        crate::println!(P, "profile: row {windows} {ops} [{programs}] {name}");
    }
}
