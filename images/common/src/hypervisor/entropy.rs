//! Entropy for Linux guests. A kernel without a seed has no random numbers it trusts for a long
//! time: Linux 6.1 then makes every `get_random_u32` a full ChaCha20 block, and its system calls
//! (which draw a random stack offset each) become some 20 times slower. Firmware hands a seed in
//! the device tree (`/chosen/rng-seed`, and `kaslr-seed` for the kernel's placement); QEMU's
//! `virt` does so in the tree it leaves at the bottom of RAM. The hypervisor reads that seed once
//! at boot and gives each Linux boot its own seed derived from it with SHA-256 over a boot
//! counter: no VM can compute another's (or the board's) from its own. Without a board seed the
//! guests get none (Linux then gathers its own, slowly) rather than a guessable one.

use core::sync::atomic::{AtomicUsize, Ordering};
use sha2::{Digest, Sha256};

/// The board's seed, when its device tree had one.
static BOARD_SEED: spin::Once<[u8; 32]> = spin::Once::new();
/// Seeds handed out so far: each derivation takes the next number.
static DERIVED: AtomicUsize = AtomicUsize::new(0);

/// Reads `/chosen/rng-seed` (at least 16 bytes, hashed to 32) of the device tree at `address`,
/// if there is one; call once, before anything may overwrite that memory.
///
/// # Safety
/// As for [`crate::device_tree::at`].
pub unsafe fn capture_board_seed(address: usize) {
    // SAFETY: passed on from the caller.
    let Some(tree) = (unsafe { crate::device_tree::at(address) }) else { return };
    let seed = tree.find_node("/chosen").and_then(|chosen| chosen.property("rng-seed")).map(|p| p.value);
    if let Some(seed) = seed.filter(|s| s.len() >= 16) {
        BOARD_SEED.call_once(|| Sha256::digest(seed).into());
    }
}

/// A fresh seed for one guest boot (Linux credits 32 bytes as enough to start its random
/// numbers at once), or `None` when the board gave none.
pub fn guest_seed() -> Option<[u8; 32]> {
    let board = BOARD_SEED.get()?;
    let number = DERIVED.fetch_add(1, Ordering::Relaxed);
    let mut hash = Sha256::new();
    hash.update(b"wells guest seed");
    hash.update(board);
    hash.update((number as u64).to_le_bytes());
    Some(hash.finalize().into())
}
