//! Domain calls: create a protection domain of the level below, find the caller's, give it a
//! CPU budget, stop and destroy one. The domains themselves and budgets: `domains.rs`.

use super::Kernel;
use crate::arch::Arch;
use crate::domain::{CpuBudget, Domain, DomainId, DomainKind};
use crate::error::{Error, Result};
use crate::handle::Handle;
use crate::thread::ThreadState;

pub use super::domains::MAX_DOMAINS;

/// A count of what exists ([`Kernel::census`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Census {
    /// Live objects of every kind (threads until joined).
    pub objects: usize,
    /// Threads of the domain not yet joined.
    pub threads: usize,
    /// Started threads that have not exited, of every domain.
    pub live_threads: usize,
    /// Threads in the run queues, of every domain.
    pub ready: usize,
}

impl<A: Arch> Kernel<A> {
    /// Creates a domain whose threads run in address space `space` (a token for
    /// [`Arch::switch_space`]; 0: the kernel domain's space as it is now); at most
    /// `max_priority` for its threads.
    pub fn domain_create(&self, name: &str, kind: DomainKind, space: usize, max_priority: u8) -> Result<DomainId> {
        self.unsealed()?;
        self.critical().domains.create(name, kind, space, max_priority)
    }

    /// Gives a domain (the kernel's own, typically) its address-space token (0 for another
    /// domain: the kernel domain's space as it is now).
    pub fn domain_set_space(&self, id: DomainId, space: usize) -> Result<()> {
        let mut cs = self.critical();
        let space = if id == DomainId::KERNEL { space } else { cs.domains.space_or_kernels(space) };
        let domain = cs.domains.live_mut(id).ok_or(Error::InvalidArgument)?;
        domain.space = space;
        if id == DomainId::KERNEL && cs.sched.current().is_none() {
            cs.sched.cpus.here_mut().active_space = space;
        }
        Ok(())
    }

    /// A copy of a domain's description.
    pub fn domain(&self, id: DomainId) -> Result<Domain> {
        self.critical().domains.live(id).cloned().ok_or(Error::InvalidArgument)
    }

    /// The domain of the calling thread.
    pub fn current_domain(&self) -> Result<DomainId> {
        self.peek(|state| state.sched.caller_domain()).ok_or(Error::BadContext)
    }

    /// The domain a thread belongs to.
    pub fn thread_domain(&self, thread: Handle) -> Result<DomainId> {
        self.peek(|state| Ok(state.thread(thread)?.exec.domain))
    }

    /// Live (not exited) threads of a domain.
    pub fn domain_live_threads(&self, id: DomainId) -> usize {
        let cs = self.critical();
        cs.thread_handles().filter(|&t| cs.thread(t).is_ok_and(|t| t.exec.domain == id && t.state != ThreadState::Exited)).count()
    }

    /// What exists now, as seen from `id`: for checks that a failed call left everything as
    /// it was (#23).
    pub fn census(&self, id: DomainId) -> Census {
        let cs = self.critical();
        let of_domain = |t: Handle| cs.thread(t).is_ok_and(|t| t.exec.domain == id);
        Census {
            objects: cs.objects.len(),
            threads: cs.thread_handles().filter(|&t| of_domain(t)).count(),
            live_threads: cs.sched.live_threads(),
            ready: cs.thread_handles().filter(|&t| cs.thread(t).is_ok_and(|t| t.state == ThreadState::Ready)).count(),
        }
    }

    /// Stops a domain: every thread of it ends with `code` (mutexes handed on with
    /// `OwnerDied`, joiners woken) and no new thread may start in it. Called from one of its
    /// own threads, it does not return; from a timer callback that interrupted one of them,
    /// that thread ends as soon as the callback has returned. Several CPUs: a thread of it
    /// running on another CPU is ended by that CPU (kicked); a caller that may block returns
    /// once every such CPU did (`Kernel::wait_elsewhere`).
    pub fn domain_stop(&self, id: DomainId, code: i32) -> Result<()> {
        if id == DomainId::KERNEL {
            return Err(Error::InvalidArgument);
        }
        let caller_inside = self.critical().stop_domain(id, code)?;
        if caller_inside {
            self.exit_current(code);
        }
        self.wait_domain_ended_elsewhere(id);
        Ok(())
    }

    /// Several CPUs: waits, one at a time, for the threads of stopped domain `id` whose end
    /// another CPU carries out (their fate still pending), until none is left or the caller
    /// cannot wait.
    fn wait_domain_ended_elsewhere(&self, id: DomainId) {
        if crate::kernel::percpu::MAX_CPUS == 1 {
            return;
        }
        loop {
            let cs = self.critical();
            let caller = cs.sched.caller();
            let pending = |t: &Handle| Some(*t) != caller && cs.thread(*t).is_ok_and(|t| t.exec.domain == id && t.pending_fate.is_some());
            let waiting = cs.thread_handles().find(pending);
            drop(cs);
            let Some(thread) = waiting else { return };
            if !self.wait_elsewhere(thread, |_, t| t.pending_fate.is_none()) {
                return;
            }
        }
    }

    /// Forgets a stopped domain none of whose threads is left in the thread table (all joined):
    /// its slot and id serve the next `domain_create`. `BadState` while it is not stopped or a
    /// thread of it waits to be joined; `InvalidArgument` for the kernel's domain or an unknown
    /// or already destroyed one.
    pub fn domain_destroy(&self, id: DomainId) -> Result<()> {
        if id == DomainId::KERNEL {
            return Err(Error::InvalidArgument);
        }
        let mut cs = self.critical();
        let domain = cs.domains.live(id).ok_or(Error::InvalidArgument)?;
        if !domain.stopped || cs.thread_handles().any(|t| cs.thread(t).is_ok_and(|t| t.exec.domain == id)) {
            return Err(Error::BadState);
        }
        cs.destroy_domain(id);
        Ok(())
    }

    /// Gives domain `id` a CPU budget (`None`: unlimited again): its threads together run at
    /// most `budget_ns` in every `period_ns`. `InvalidArgument` for the kernel's own domain, a
    /// zero period or a budget longer than its period; `NotSupported` without feature `budgets`.
    pub fn domain_set_budget(&self, id: DomainId, budget: Option<CpuBudget>) -> Result<()> {
        if !cfg!(feature = "budgets") {
            return Err(Error::NotSupported);
        }
        if id == DomainId::KERNEL {
            return Err(Error::InvalidArgument);
        }
        if let Some(b) = budget {
            if b.period_ns == 0 || b.budget_ns == 0 || b.budget_ns > b.period_ns {
                return Err(Error::InvalidArgument);
            }
        }
        let now = self.host.now_ns();
        self.critical().set_domain_budget(id, budget, now)
    }
}