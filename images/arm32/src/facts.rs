//! The board's facts (addresses, interrupts), generated from `boards/qemu-virt.toml`.
include!(concat!(env!("OUT_DIR"), "/facts.rs"));
