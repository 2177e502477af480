//! The kernel's one lock: a ticket lock that a context switch hands from one context to the
//! next ([`super::switch_context`]).
//!
//! Why not `spin`'s locks: a switch is made with the lock held and the context switched to
//! releases it, so the guard that releases it is rarely the one that took it. `spin`'s ticket
//! guard serves the ticket it took itself, and its spin lock lets a CPU that just released it
//! take it again at once, ahead of a CPU that was waiting: a kernel that keeps relocking (a
//! thread yielding in a loop, each yield switching with the lock held) could starve another
//! CPU for good, which happened to a two-vCPU guest on one time-shared physical CPU (the vCPU
//! waiting was only ever run while the other held the lock). Here CPUs are served in the
//! order they asked, and releasing serves the next ticket, whoever took it.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

/// A value behind a ticket lock.
pub struct KernelLock<T> {
    /// The next ticket handed out.
    next: AtomicU32,
    /// The ticket allowed in. Only the holder writes it.
    serving: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and one guard at a time exists for a
// held lock (`lock` waits for its turn; `adopt` is the holder's by its contract).
unsafe impl<T: Send> Sync for KernelLock<T> {}

/// The lock held: the value, until the guard drops.
pub struct KernelGuard<'a, T> {
    lock: &'a KernelLock<T>,
}

impl<T> KernelLock<T> {
    pub const fn new(value: T) -> Self {
        KernelLock { next: AtomicU32::new(0), serving: AtomicU32::new(0), value: UnsafeCell::new(value) }
    }

    /// Waits for this caller's turn, then holds the lock.
    #[inline]
    pub fn lock(&self) -> KernelGuard<'_, T> {
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        while self.serving.load(Ordering::Acquire) != ticket {
            core::hint::spin_loop();
        }
        KernelGuard { lock: self }
    }

    /// A guard for a lock the caller holds without one: a context switched to for the first
    /// time, which the switching context handed the lock.
    ///
    /// # Safety
    /// The lock is held on the caller's behalf and no other guard of it is used until this one
    /// drops.
    pub(crate) unsafe fn adopt(&self) -> KernelGuard<'_, T> {
        KernelGuard { lock: self }
    }
}

impl<T> Deref for KernelGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the lock is held (a guard exists), so no one else reaches the value.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for KernelGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and the guard is borrowed mutably.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for KernelGuard<'_, T> {
    /// Serves the next ticket: whoever took the lock, the holder is the only writer of it.
    #[inline]
    fn drop(&mut self) {
        let serving = self.lock.serving.load(Ordering::Relaxed);
        self.lock.serving.store(serving.wrapping_add(1), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::KernelLock;
    use std::sync::Arc;

    #[test]
    fn threads_take_turns_and_lose_no_increment() {
        let lock = Arc::new(KernelLock::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let lock = lock.clone();
                std::thread::spawn(move || (0..10_000).for_each(|_| *lock.lock() += 1))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*lock.lock(), 40_000);
    }

    #[test]
    fn a_guard_adopted_releases_what_another_took() {
        let lock = KernelLock::new(1u32);
        let taken = lock.lock();
        // Handed over: the first guard is given up without releasing, the adopted one releases.
        core::mem::forget(taken);
        // SAFETY: the lock is held (above) and its first guard is gone.
        let mut adopted = unsafe { lock.adopt() };
        *adopted += 1;
        drop(adopted);
        // Free again: a new caller gets its turn at once.
        assert_eq!(*lock.lock(), 2);
    }
}
