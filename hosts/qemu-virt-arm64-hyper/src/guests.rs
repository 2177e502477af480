//! The guest images this hypervisor image carries, built by `cargo xtask` for AArch64 EL1 into
//! the directory WELLS_GUESTS_64 names.

/// The bare test guest (`hosts/bare-guest`).
pub const BARE: &[u8] = include_bytes!(concat!(env!("WELLS_GUESTS_64"), "/wells-bare-guest"));
