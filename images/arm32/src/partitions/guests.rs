//! The guest images this hypervisor carries, built by `cargo xtask` first.

/// The bare test guest (`images/bare-guest`) built for `armv8r-none-eabihf` as a
/// position-independent executable, in the directory WELLS_GUESTS_R52 names.
pub const BARE: &[u8] = include_bytes!(concat!(env!("WELLS_GUESTS_R52"), "/wells-bare-guest"));
