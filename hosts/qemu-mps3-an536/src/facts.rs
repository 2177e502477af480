//! The board's facts (addresses, interrupts), generated from `boards/mps3-an536.toml`.
include!(concat!(env!("OUT_DIR"), "/facts.rs"));
