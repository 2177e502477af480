//! The system the demo runs: generated at build time from `systems/<name>.toml` (the one
//! `WELLS_SYSTEM` names, set by `cargo xtask run --system`; by default `m3-tasks`) by
//! `wells_board::system`. Its tasks' programs are the `user/apps` programs this image embeds.

use super::apps;

/// What a task starts from: a position-independent ELF image.
type Program = &'static [u8];

include!(concat!(env!("OUT_DIR"), "/system.rs"));
