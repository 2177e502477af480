//! The system the demo runs: generated at build time from `systems/<name>.toml` (the one
//! `WELLS_SYSTEM` names, set by `cargo xtask run --system`; by default this CPU's hypervisor
//! system) by `wells_board::system`. Its VMs' images are the guests this image carries.

use super::guests;

/// A hypervisor system has no tasks.
type Program = ();

include!(concat!(env!("OUT_DIR"), "/system.rs"));
