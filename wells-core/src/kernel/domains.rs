//! The kernel's domains: the table of protection domains (a destroyed one's slot and id serve
//! the next), the address space that is active, and CPU budgets (a VM's time budget, a task's
//! share). A domain given `budget_ns` per `period_ns` has its threads' run time charged to it;
//! once the budget of the current period is used, its threads leave the CPU (state
//! `Throttled`) and are queued again when the next period starts. A running thread of a
//! budgeted domain gets a timer interrupt where its budget runs out, so the bound holds even
//! for a thread that never blocks.
//!
//! Periods follow each other while the domain keeps using CPU; after an idle gap the next
//! charge opens a fresh period.

use super::state::State;
use super::timeline::{TimelineKey, Wakeup};
use crate::domain::{CpuBudget, Domain, DomainId, DomainKind};
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::sched::Requeue;
use crate::thread::{Fate, ThreadState};
use alloc::vec::Vec;

/// Most domains one kernel holds.
pub const MAX_DOMAINS: usize = 256;

/// Every domain, and what of them the scheduler needs on each switch.
pub struct Domains {
    /// Indexed by `DomainId`; slot 0 is the kernel's own.
    list: Vec<Domain>,
    /// Domains with a CPU budget: while 0, scheduling skips budget accounting altogether.
    budgeted: usize,
}

impl Domains {
    pub(super) fn new() -> Domains {
        Domains { list: alloc::vec![Domain::kernel()], budgeted: 0 }
    }

    /// Domain `id`, unless it does not exist or was destroyed.
    pub(super) fn live(&self, id: DomainId) -> Option<&Domain> {
        self.list.get(id.0 as usize).filter(|d| !d.destroyed)
    }

    /// Domain `id`, writable, unless it does not exist or was destroyed.
    pub(super) fn live_mut(&mut self, id: DomainId) -> Option<&mut Domain> {
        self.list.get_mut(id.0 as usize).filter(|d| !d.destroyed)
    }

    /// Adds a domain, in a destroyed domain's slot if there is one (so domains come and go
    /// without a bound); `Limit` past `MAX_DOMAINS`.
    pub(super) fn create(&mut self, name: &str, kind: DomainKind, space: usize, max_priority: u8) -> Result<DomainId> {
        let reused = self.list.iter().position(|d| d.destroyed);
        if reused.is_none() && self.list.len() >= MAX_DOMAINS {
            return Err(Error::Limit);
        }
        let id = DomainId(reused.unwrap_or(self.list.len()) as u16);
        let mut domain = Domain::new(id, name, kind, self.space_or_kernels(space));
        domain.max_priority = max_priority.min(crate::sched::PRIORITY_MAX);
        match reused {
            Some(slot) => self.list[slot] = domain,
            None => {
                self.list.try_reserve(1).map_err(|_| Error::NoMemory)?;
                self.list.push(domain);
            }
        }
        Ok(id)
    }

    /// `space`, or for 0 the kernel domain's space as it is now: a domain of kernel threads
    /// (a task group) runs where the kernel runs, rather than in no address space at all
    /// (on arm64 a table base of 0, which maps nothing).
    pub(super) fn space_or_kernels(&self, space: usize) -> usize {
        match space {
            0 => self.list.first().map_or(0, |kernel| kernel.space),
            given => given,
        }
    }

    /// Leaves a tombstone in `id`'s slot; returns its pending start of the next budget period
    /// (a timeline entry the caller removes).
    pub(super) fn destroy(&mut self, id: DomainId) -> Option<TimelineKey> {
        let domain = self.live(id)?;
        let (kind, budgeted, pending) = (domain.kind, domain.cpu_budget.is_some(), domain.budget.replenish_key);
        if budgeted {
            self.budgeted -= 1;
        }
        let mut tombstone = Domain::new(id, "", kind, 0);
        tombstone.stopped = true;
        tombstone.destroyed = true;
        self.list[id.0 as usize] = tombstone;
        pending
    }

    /// Gives live domain `id` a new budget (or none); returns its pending start of the next
    /// period (a timeline entry the caller removes), or `InvalidArgument` for no such domain.
    fn set_budget(&mut self, id: DomainId, budget: Option<CpuBudget>) -> Result<Option<TimelineKey>> {
        let domain = self.live_mut(id).ok_or(Error::InvalidArgument)?;
        let had = core::mem::replace(&mut domain.cpu_budget, budget).is_some();
        let pending = domain.budget.replenish_key;
        match (had, budget.is_some()) {
            (false, true) => self.budgeted += 1,
            (true, false) => self.budgeted -= 1,
            _ => {}
        }
        Ok(pending)
    }

    /// True when some domain has a budget (else scheduling skips budgets altogether). Always
    /// false without feature `budgets` (no budget can be given), so the budget paths fold away.
    #[inline]
    pub(super) fn any_budgeted(&self) -> bool {
        cfg!(feature = "budgets") && self.budgeted > 0
    }

    /// CPU time `id` has left in its period at `now_ns` (`None`: unlimited).
    #[inline]
    pub(super) fn budget_left(&self, id: DomainId, now_ns: u64) -> Option<u64> {
        self.list.get(id.0 as usize).and_then(|d| d.budget_left(now_ns))
    }

    /// A thread of `id` gets the CPU whose active address space is `active` (each CPU has its
    /// own: `CpuSched::active_space`): its space becomes the active one. Returns the space to
    /// switch to, `None` when it is already active.
    #[inline]
    pub(super) fn enter_space_of(&self, id: DomainId, active: &mut usize) -> Option<usize> {
        let next_space = self.list.get(id.0 as usize).map_or(0, |d| d.space);
        let space = (next_space != *active).then_some(next_space);
        *active = next_space;
        space
    }
}

impl State {
    /// Charges `ran_ns` of CPU, ending at `now_ns`, to `domain`; throttles it when that uses
    /// up its budget for the period.
    pub(super) fn charge_budget(&mut self, domain: DomainId, ran_ns: u64, now_ns: u64) {
        let Some(d) = self.domains.list.get_mut(domain.0 as usize) else { return };
        let Some(budget) = d.cpu_budget else { return };
        if d.budget.throttled() {
            return;
        }
        if now_ns >= d.budget.period_end_ns {
            d.budget.used_ns = 0;
            d.budget.period_end_ns = now_ns.saturating_add(budget.period_ns);
        }
        d.budget.used_ns = d.budget.used_ns.saturating_add(ran_ns);
        if d.budget.used_ns >= budget.budget_ns {
            let at = d.budget.period_end_ns;
            d.budget.replenish_key = Some(self.clock.insert(at, Wakeup::Budget(domain)));
        }
    }

    /// The policy picked `thread`: when its domain is throttled it is parked until the next
    /// period instead (returns true).
    pub(super) fn park_if_throttled(&mut self, thread: Handle) -> bool {
        let Ok(domain) = self.thread(thread).map(|t| t.exec.domain) else { return false };
        let Some(d) = self.domains.list.get_mut(domain.0 as usize) else { return false };
        if !d.budget.throttled() {
            return false;
        }
        d.budget.parked.push(thread);
        if let Ok(t) = self.thread_mut(thread) {
            t.state = ThreadState::Throttled;
        }
        true
    }

    /// A throttled domain's next period starts (or its budget was lifted): its parked threads
    /// are queued again. Nothing happens for a domain that is not throttled.
    pub(super) fn replenish_budget(&mut self, domain: DomainId, now_ns: u64) {
        let Some(d) = self.domains.list.get_mut(domain.0 as usize) else { return };
        if d.budget.replenish_key.take().is_none() {
            return;
        }
        d.budget.used_ns = 0;
        d.budget.period_end_ns = now_ns.saturating_add(d.cpu_budget.map_or(0, |b| b.period_ns));
        let mut parked = core::mem::take(&mut d.budget.parked);
        for &thread in &parked {
            if self.thread(thread).is_ok_and(|t| t.state == ThreadState::Throttled) {
                if let Some(level) = self.make_runnable(thread, Requeue::Back, false) {
                    self.note_ready(thread, level);
                }
            }
        }
        parked.clear();
        if let Some(d) = self.domains.list.get_mut(domain.0 as usize) {
            // Keep the list's room for the next period.
            d.budget.parked = parked;
        }
    }

    /// Gives live domain `id` a new CPU budget (or none) from `now_ns`: a throttled domain's
    /// parked threads run under the new budget (or none) from now on, and its pending start of
    /// the next period goes.
    pub(super) fn set_domain_budget(&mut self, id: DomainId, budget: Option<CpuBudget>, now_ns: u64) -> Result<()> {
        if let Some(key) = self.domains.set_budget(id, budget)? {
            self.clock.remove(key);
        }
        self.replenish_budget(id, now_ns);
        if let Some(domain) = self.domains.list.get_mut(id.0 as usize) {
            domain.budget.used_ns = 0;
            domain.budget.period_end_ns = now_ns.saturating_add(budget.map_or(0, |b| b.period_ns));
        }
        Ok(())
    }

    /// Stops live domain `id`: every thread of it but the caller ends with `code`, and no new
    /// one starts. Returns true when the caller is one of its threads and must end now; from a
    /// timer callback that interrupted one, that thread gets the fate to end once the callback
    /// returned instead.
    pub(super) fn stop_domain(&mut self, id: DomainId, code: i32) -> Result<bool> {
        let domain = self.domains.live_mut(id).ok_or(Error::InvalidArgument)?;
        domain.stopped = true;
        let current = self.sched.caller();
        // One pass over the table in slot order (killing a thread keeps its slot), so a
        // stop allocates nothing: a static kernel stops a faulting task too.
        let mut from = 0;
        loop {
            let member = self.objects.handles_from(Kind::Thread, from).find(|&t| Some(t) != current && self.thread(t).is_ok_and(|t| t.exec.domain == id));
            let Some(thread) = member else { break };
            self.kill(thread, code);
            from = thread.slot() + 1;
        }
        let inside = current.filter(|&c| self.thread(c).is_ok_and(|t| t.exec.domain == id));
        // From a timer callback that interrupted a thread of the domain, that thread cannot
        // end under the callback: it ends once the callback has returned (its fate).
        if let (Some(thread), true) = (inside, self.sched.callback_running()) {
            if let Ok(t) = self.thread_mut(thread) {
                t.pending_fate = Some(Fate::Stop(code));
            }
            self.push_fate(thread);
            Ok(false)
        } else {
            Ok(inside.is_some())
        }
    }

    /// Forgets stopped domain `id` (its threads all joined): its slot and id serve the next.
    pub(super) fn destroy_domain(&mut self, id: DomainId) {
        if let Some(key) = self.domains.destroy(id) {
            self.clock.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Domains;
    use crate::domain::{DomainId, DomainKind};

    #[test]
    fn a_domain_created_without_a_space_runs_in_the_kernels() {
        let mut domains = Domains::new();
        domains.list[0].space = 0x1234;
        let group = domains.create("group", DomainKind::TaskGroup, 0, 31).unwrap();
        let own = domains.create("own", DomainKind::UserApp, 0x5678, 31).unwrap();
        assert_eq!(domains.live(group).map(|d| d.space), Some(0x1234));
        assert_eq!(domains.live(own).map(|d| d.space), Some(0x5678));
        let mut active = 0x1234;
        assert_eq!(domains.enter_space_of(group, &mut active), None);
        assert_eq!(domains.enter_space_of(DomainId::KERNEL, &mut active), None);
    }
}

/// Budgets on several CPUs (feature `smp`), on the simulated CPUs of `kernel/affinity.rs`.
#[cfg(all(test, feature = "smp"))]
mod smp_tests {
    use super::super::affinity::tests::{four_cpus, reschedule, start, thread};
    use crate::domain::{CpuBudget, DomainKind};

    #[test]
    fn each_cpu_keeps_the_budget_end_of_the_thread_it_runs() {
        let mut state = four_cpus();
        state.set_cpu(0);
        let budgeted = state.domains.create("budgeted", DomainKind::UserApp, 0, 31).unwrap();
        state.set_domain_budget(budgeted, Some(CpuBudget { budget_ns: 1_000, period_ns: 10_000 }), 0).unwrap();
        let (a, b) = (thread(&mut state, "a"), thread(&mut state, "b"));
        state.thread_mut(a).unwrap().exec.domain = budgeted;
        start(&mut state, a);
        start(&mut state, b);
        // CPU 0 runs `a`, whose domain has 1 000 ns left: its budget ends there at 1 000.
        assert_eq!(reschedule(&mut state, 0), Some(a));
        assert_eq!(state.sched.budget_end(), Some(1_000));
        // CPU 1 runs `b`, of the kernel's domain: no budget end there...
        assert_eq!(reschedule(&mut state, 1), Some(b));
        assert_eq!(state.sched.budget_end(), None);
        // ...and CPU 0's stays, so its timer is still armed for it.
        state.set_cpu(0);
        assert_eq!(state.sched.budget_end(), Some(1_000));
    }
}
