//! Lamport's bakery lock: mutual exclusion among a fixed set of CPUs with loads and stores only
//! (sequentially consistent ones: LDAR/STLR on AArch64). The monitor needs it because its MMU
//! is off: all its memory is Device memory, where exclusive accesses — and so every
//! compare-and-swap lock — are not to be relied on.

use core::hint::spin_loop;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};

/// A lock for CPUs `0..N`; each takes it with its own number.
pub struct Bakery<const N: usize> {
    choosing: [AtomicBool; N],
    ticket: [AtomicU32; N],
}

impl<const N: usize> Default for Bakery<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Bakery<N> {
    pub const fn new() -> Self {
        Bakery { choosing: [const { AtomicBool::new(false) }; N], ticket: [const { AtomicU32::new(0) }; N] }
    }

    /// Runs `f` with the lock held by `cpu` (below `N`). `f` must return: a CPU that never
    /// releases the lock stops every other one at its next call.
    pub fn with<R>(&self, cpu: usize, f: impl FnOnce() -> R) -> R {
        self.choosing[cpu].store(true, SeqCst);
        let mine = self.ticket.iter().map(|t| t.load(SeqCst)).max().unwrap_or(0) + 1;
        self.ticket[cpu].store(mine, SeqCst);
        self.choosing[cpu].store(false, SeqCst);
        for other in (0..N).filter(|&other| other != cpu) {
            while self.choosing[other].load(SeqCst) {
                spin_loop();
            }
            // Served in ticket order, ties by CPU number.
            loop {
                let theirs = self.ticket[other].load(SeqCst);
                if theirs == 0 || (theirs, other) > (mine, cpu) {
                    break;
                }
                spin_loop();
            }
        }
        let result = f();
        self.ticket[cpu].store(0, SeqCst);
        result
    }
}
