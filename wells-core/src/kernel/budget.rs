//! CPU budgets of domains (a VM's time budget, a task's share): a domain given `budget_ns` per
//! `period_ns` has its threads' run time charged to it; once the budget of the current period
//! is used, its threads leave the CPU (state `Throttled`) and are queued again when the next
//! period starts. A running thread of a budgeted domain gets a timer interrupt where its
//! budget runs out, so the bound holds even for a thread that never blocks.
//!
//! Periods follow each other while the domain keeps using CPU; after an idle gap the next
//! charge opens a fresh period.

use super::state::State;
use super::timeline::Wakeup;
use super::Kernel;
use crate::arch::Arch;
use crate::domain::{CpuBudget, DomainId};
use crate::error::{Error, Result};
use crate::handle::Handle;
use crate::sched::Requeue;
use crate::thread::ThreadState;

impl State {
    /// Charges `ran_ns` of CPU, ending at `now_ns`, to `domain`; throttles it when that uses
    /// up its budget for the period.
    pub(super) fn charge_budget(&mut self, domain: DomainId, ran_ns: u64, now_ns: u64) {
        let Some(d) = self.domains.get_mut(domain.0 as usize) else { return };
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
            let key = self.timeline.insert(at, Wakeup::Budget(domain));
            if let Some(d) = self.domains.get_mut(domain.0 as usize) {
                d.budget.replenish_key = Some(key);
            }
        }
    }

    /// The policy picked `thread`: when its domain is throttled it is parked until the next
    /// period instead (returns true).
    pub(super) fn park_if_throttled(&mut self, thread: Handle) -> bool {
        let Ok(domain) = self.thread(thread).map(|t| t.exec.domain) else { return false };
        let Some(d) = self.domains.get_mut(domain.0 as usize) else { return false };
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
        let Some(d) = self.domains.get_mut(domain.0 as usize) else { return };
        if d.budget.replenish_key.take().is_none() {
            return;
        }
        d.budget.used_ns = 0;
        d.budget.period_end_ns = now_ns.saturating_add(d.cpu_budget.map_or(0, |b| b.period_ns));
        let mut parked = core::mem::take(&mut d.budget.parked);
        for &thread in &parked {
            if self.thread(thread).is_ok_and(|t| t.state == ThreadState::Throttled) {
                if let Some(level) = self.make_runnable(thread, Requeue::Back, false) {
                    self.note_ready(level);
                }
            }
        }
        parked.clear();
        if let Some(d) = self.domains.get_mut(domain.0 as usize) {
            // Keep the list's room for the next period.
            d.budget.parked = parked;
        }
    }
}

impl<A: Arch> Kernel<A> {
    /// Gives domain `id` a CPU budget (`None`: unlimited again): its threads together run at
    /// most `budget_ns` in every `period_ns`. `InvalidArgument` for the kernel's own domain, a
    /// zero period or a budget longer than its period.
    pub fn domain_set_budget(&self, id: DomainId, budget: Option<CpuBudget>) -> Result<()> {
        if id == DomainId::KERNEL {
            return Err(Error::InvalidArgument);
        }
        if let Some(b) = budget {
            if b.period_ns == 0 || b.budget_ns == 0 || b.budget_ns > b.period_ns {
                return Err(Error::InvalidArgument);
            }
        }
        let now = self.host.now_ns();
        let mut cs = self.critical();
        let domain = cs.live_domain_mut(id).ok_or(Error::InvalidArgument)?;
        let had = core::mem::replace(&mut domain.cpu_budget, budget).is_some();
        let pending = domain.budget.replenish_key;
        match (had, budget.is_some()) {
            (false, true) => cs.budgeted_domains += 1,
            (true, false) => cs.budgeted_domains -= 1,
            _ => {}
        }
        // A throttled domain's parked threads run under the new budget (or none) from now on;
        // its pending start of the next period goes.
        if let Some(key) = pending {
            cs.timeline.remove(key);
        }
        cs.replenish_budget(id, now);
        if let Some(domain) = cs.domains.get_mut(id.0 as usize) {
            domain.budget.used_ns = 0;
            domain.budget.period_end_ns = now.saturating_add(budget.map_or(0, |b| b.period_ns));
        }
        Ok(())
    }
}
