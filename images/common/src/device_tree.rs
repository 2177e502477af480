//! The flattened device tree firmware leaves in memory (QEMU `virt`: at the bottom of RAM),
//! read with the `fdt` crate: what the board is (CPUs, memory) and what firmware hands on
//! (`/chosen/rng-seed`).

/// The tree's magic, big-endian at its first byte.
const MAGIC: u32 = 0xd00d_feed;
/// Largest tree looked at (QEMU's is 1 MiB, most of it free space; its header gives the size).
const MAX_SIZE: usize = 1 << 20;

/// The device tree at `address`, when there is a well-formed one.
///
/// # Safety
/// `address` must be readable for 8 bytes (the header) and, when they begin with the FDT magic,
/// for the size the header gives (at most 1 MiB is accepted), and that memory must not change
/// while the tree is used.
pub unsafe fn at(address: usize) -> Option<fdt::Fdt<'static>> {
    // SAFETY: the caller vouches for the header (8 bytes: magic and total size).
    let header = unsafe { core::slice::from_raw_parts(address as *const u8, 8) };
    let word = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let size = word(4) as usize;
    if word(0) != MAGIC || !(40..=MAX_SIZE).contains(&size) {
        return None;
    }
    // SAFETY: the caller vouches for the `size` bytes the header gives.
    fdt::Fdt::new(unsafe { core::slice::from_raw_parts(address as *const u8, size) }).ok()
}
