//! Static configuration: room reserved up front from declared bounds, then the kernel sealed,
//! after which no kernel call allocates and calls that would create objects say `Sealed`.
//!
//! Why it holds: every structure a steady-state call touches is sized from the bounds at
//! [`Kernel::reserve`] or when its object is created before sealing — the object table (slots
//! and free list), the timeline (each thread, timer or transaction has at most one entry, so
//! `objects` entries), the run queues (one link per table slot), every wait queue (`threads`
//! waiters) and every thread's list of held mutexes (`held_mutexes`). Transactions buffer
//! their reads and writes on the heap, so a kernel with transactions or shared objects cannot
//! be sealed.

use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::Kind;
use core::sync::atomic::Ordering;

/// The bounds of a static configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticBounds {
    /// Objects of every kind together (threads, mutexes, semaphores, events, ports, timers).
    pub objects: usize,
    /// Threads, so the most that can wait in one queue.
    pub threads: usize,
    /// Mutexes one thread may hold at once; one more lock is refused with `Limit`.
    pub held_mutexes: usize,
}

impl<A: Arch> Kernel<A> {
    /// Reserves room for a static configuration, once, on a kernel that has no objects yet: the
    /// object table is limited to `bounds.objects`, and every object created from now on gets
    /// its queues sized from the bounds. `BadState` once objects exist, `NoMemory` when the
    /// room is not there.
    pub fn reserve(&self, bounds: StaticBounds) -> Result<()> {
        self.unsealed()?;
        let mut cs = self.critical();
        if cs.bounds().is_some() || !cs.objects.is_empty() || bounds.threads > bounds.objects {
            return Err(Error::BadState);
        }
        // Room first; the table's limit last, so a refusal leaves the kernel unbounded (#23).
        cs.clock.reserve(bounds.objects).map_err(|_| Error::NoMemory)?;
        cs.sched.ready_mut().reserve(bounds.objects)?;
        cs.objects.reserve(bounds.objects)?;
        cs.set_bounds(bounds);
        Ok(())
    }

    /// Seals the kernel: from now on no call allocates, and calls that would create objects
    /// (threads, mutexes, semaphores, events, ports, timers, domains, decision sets,
    /// telemetry) return [`Error::Sealed`] before allocating anything. `BadState` without a
    /// [`Kernel::reserve`] first, or while transactions or shared objects exist.
    pub fn seal(&self) -> Result<()> {
        let cs = self.critical();
        let buffered = cs.objects.handles(Kind::Transaction).chain(cs.objects.handles(Kind::SharedObject)).next();
        if cs.bounds().is_none() || buffered.is_some() {
            return Err(Error::BadState);
        }
        self.sealed.store(true, Ordering::Release);
        Ok(())
    }

    /// True once [`Kernel::seal`] succeeded.
    pub fn is_sealed(&self) -> bool {
        self.sealed.load(Ordering::Acquire)
    }

    /// `Sealed` after sealing: the first check of every call that creates something.
    pub(super) fn unsealed(&self) -> Result<()> {
        match self.is_sealed() {
            true => Err(Error::Sealed),
            false => Ok(()),
        }
    }
}
