//! The system this image runs (`systems/m3-partitions.toml`, or the one `cargo xtask run
//! --system` names): its major frame and partitions, read at build time.

include!(concat!(env!("OUT_DIR"), "/system.rs"));
