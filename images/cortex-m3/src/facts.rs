//! The board's facts (addresses, interrupts), generated from `boards/mps2-an385.toml`.
include!(concat!(env!("OUT_DIR"), "/facts.rs"));
