//! The system the demo runs: generated at build time from `systems/<name>.toml` (the one
//! `WELLS_SYSTEM` names, set by `cargo xtask run --system`; by default `arm64-tasks`) by
//! `wells_board::system`. Its tasks' programs are the `user/apps` programs this image embeds.

#[cfg(feature = "user32")]
use super::apps::a32;
use super::apps::a64;

/// What a task starts from: an ELF image.
type Program = &'static [u8];

include!(concat!(env!("OUT_DIR"), "/system.rs"));
