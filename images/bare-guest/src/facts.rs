//! The layout this guest sees, generated from `boards/qemu-virt.toml` (its `GUEST_*` entries).
#![allow(dead_code)]
include!(concat!(env!("OUT_DIR"), "/facts.rs"));
