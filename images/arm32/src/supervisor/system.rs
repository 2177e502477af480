//! The system the demo runs: generated at build time from `systems/<name>.toml` (the one
//! `WELLS_SYSTEM` names, set by `cargo xtask run --system`; by default `arm32-tasks` on the
//! Cortex-A15, `r52-tasks` on the Cortex-R52) by `wells_board::system`. Its tasks' programs are
//! the `user/apps` programs this image embeds.

#[cfg(feature = "qemu-virt")]
use super::apps::a32;
#[cfg(feature = "mps3-an536")]
use super::apps::t32;

/// What a task starts from: an ELF image.
type Program = &'static [u8];

include!(concat!(env!("OUT_DIR"), "/system.rs"));
