//! The guest images this hypervisor carries, built by `cargo xtask` first.

/// The bare test guest (`images/bare-guest`) built for `armv8r-none-eabihf` as a
/// position-independent executable, in the directory WELLS_GUESTS_R52 names.
pub const BARE: &[u8] = include_bytes!(concat!(env!("WELLS_GUESTS_R52"), "/wells-bare-guest"));

/// The R52 supervisor's demo (this crate with features `mps3-an536,supervisor`), the image that
/// runs natively: wells at EL1 with its sensor, filter and logger tasks at EL0 under the EL1 MPU.
/// Linked at the board's image address, it runs there as a partition; it finds out at boot that
/// it is one only to end through PSCI (`board/mps3_an536.rs`).
pub const SUPERVISOR: &[u8] = include_bytes!(env!("WELLS_GUEST_SUPERVISOR_R52"));
