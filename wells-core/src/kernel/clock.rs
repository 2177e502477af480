//! The kernel's clock: every deadline (the timeline), the time as last read, and the host's
//! one-shot timer. There is no periodic tick, so the timer is armed for the earliest of the
//! next deadline, the running thread's slice end and its domain's budget end; the tick then
//! runs what came due (`expire_one`).

use super::state::State;
use super::timeline::{Timeline, TimelineKey, Wakeup};
use crate::handle::Handle;
use crate::host::Host;
use super::percpu::{PerCpu, MAX_CPUS};
use alloc::collections::TryReserveError;

/// Deadlines and the host timer (one per CPU).
pub struct Clock {
    /// Every deadline: timeouts, sleeps, timers, budgets, transactions.
    timeline: Timeline,
    /// The clock as last read by the kernel (for deadline slack when placing threads).
    now_ns: u64,
    /// Each CPU's timer.
    pub(super) cpus: PerCpu<CpuTimer>,
}

/// One CPU's timer, as the kernel armed it.
#[derive(Default)]
pub(super) struct CpuTimer {
    /// Deadline last given to this CPU's timer, `None` once it fired (or was never armed).
    armed: Option<u64>,
    /// The running thread, its slice or the ready set changed: the timer may need re-arming.
    dirty: bool,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock { timeline: Timeline::default(), now_ns: 0, cpus: PerCpu::new(CpuTimer::default) }
    }
}

impl Clock {
    /// The time as the kernel last read it.
    #[inline]
    pub(super) fn now(&self) -> u64 {
        self.now_ns
    }

    /// The kernel read the time: what it decides from now on is at `now_ns`.
    #[inline]
    pub(super) fn set_now(&mut self, now_ns: u64) {
        self.now_ns = now_ns;
    }

    /// Puts a deadline in the timeline.
    #[inline]
    pub(super) fn insert(&mut self, deadline_ns: u64, wakeup: Wakeup) -> TimelineKey {
        self.timeline.insert(deadline_ns, wakeup)
    }

    /// Takes a deadline out of the timeline.
    #[inline]
    pub(super) fn remove(&mut self, key: TimelineKey) {
        self.timeline.remove(key)
    }

    /// True when no deadline is pending (nothing could ever wake a blocked thread).
    pub(super) fn is_idle(&self) -> bool {
        self.timeline.is_empty()
    }

    /// Room for `entries` deadlines (static configuration).
    pub(super) fn reserve(&mut self, entries: usize) -> Result<(), TryReserveError> {
        self.timeline.reserve(entries)
    }

    /// What the timer is armed for may have to change.
    #[inline]
    pub(super) fn mark_dirty(&mut self) {
        self.cpus.here_mut().dirty = true;
    }

    /// True when the host timer is not armed, or armed for later than `deadline_ns`: a new
    /// deadline there would need arming.
    #[inline]
    pub(super) fn armed_later_than(&self, deadline_ns: u64) -> bool {
        self.cpus.here().armed.is_none_or(|armed| armed > deadline_ns)
    }

    /// The host's one-shot fired (or we cannot tell): the next reprogram arms again.
    pub(super) fn fired(&mut self) {
        let timer = self.cpus.here_mut();
        timer.armed = None;
        timer.dirty = true;
    }

    /// True (once) when the timeline or what runs changed since the timer was last armed.
    #[inline]
    fn take_changed(&mut self) -> bool {
        let timeline_changed = self.timeline.take_changed();
        let dirty = core::mem::take(&mut self.cpus.here_mut().dirty);
        timeline_changed | dirty
    }

    /// Arms the host timer for `next`, unless it is already armed as early.
    fn arm(&mut self, host: &dyn Host, next: Option<u64>) {
        // Re-arm only to move the interrupt earlier. A timer armed too early costs one spurious
        // tick (which re-arms for the right time); re-arming on every switch would cost a host
        // call each time (a system call for the POSIX adapter).
        if let Some(deadline) = next {
            let timer = self.cpus.here_mut();
            if timer.armed.is_none_or(|armed| deadline < armed) {
                host.timer_arm(deadline);
                timer.armed = Some(deadline);
            }
        }
    }
}

impl State {
    /// Runs the deadlines that passed; returns a timer whose callback must run now (the caller
    /// drops the lock for it), or `None` when nothing more is due.
    pub fn expire_one(&mut self, now_ns: u64) -> Option<Handle> {
        // Threads woken here start their release (deadline, deferral) now, not at the last call.
        self.clock.set_now(now_ns);
        loop {
            let (deadline, wakeup) = self.clock.timeline.pop_due(now_ns)?;
            match wakeup {
                Wakeup::Thread(thread) => self.time_out(thread),
                // Only a budget puts one in (none without feature `budgets`).
                Wakeup::Budget(domain) => {
                    if cfg!(feature = "budgets") {
                        self.replenish_budget(domain, now_ns);
                    }
                }
                Wakeup::Transaction(txn) => {
                    if let Ok(t) = self.transaction_mut(txn) {
                        t.deadline_key = None;
                    }
                    self.abort_transaction(txn, crate::txn::AbortReason::Deadline);
                }
                Wakeup::Timer(timer) => {
                    let Ok(t) = self.timer_mut(timer) else { continue };
                    t.key = None;
                    let period = t.period_ns;
                    if period > 0 {
                        // Behind by more than a period (a long critical section): do not replay
                        // the missed firings in a burst.
                        let next = deadline.saturating_add(period).max(now_ns.saturating_add(1));
                        let key = self.clock.insert(next, Wakeup::Timer(timer));
                        if let Ok(t) = self.timer_mut(timer) {
                            t.key = Some(key);
                        }
                    }
                    return Some(timer);
                }
            }
        }
    }

    /// Arms the host timer for the next thing that needs the CPU's attention. Every kernel call
    /// ends here, most with nothing changed: that check is inline, the work out of line.
    #[inline]
    pub fn reprogram_timer(&mut self, host: &dyn Host) {
        // Whoever asks for a reschedule interrupt marks the clock changed (`State::kick`).
        if self.clock.take_changed() {
            self.rearm_timer(host);
        }
    }

    /// Sends the reschedule interrupts [`State::offer`] asked for (several CPUs only; the
    /// check is inline, the sending out of line).
    #[inline(always)]
    pub(super) fn send_kicks(&mut self, host: &dyn Host) {
        if MAX_CPUS > 1 && self.has_kicks() {
            self.send_kicks_now(host);
        }
    }

    #[inline(never)]
    fn send_kicks_now(&mut self, host: &dyn Host) {
        let mut kicks = self.take_kicks();
        while kicks != 0 {
            let cpu = kicks.trailing_zeros() as usize;
            kicks &= kicks - 1;
            host.kick_cpu(cpu);
        }
    }

    /// [`State::reprogram_timer`] when something changed; then sends the reschedule
    /// interrupts asked for. Both here, so the inline check passes `host` once (a caller
    /// keeps no register for it across the call).
    #[inline(never)]
    fn rearm_timer(&mut self, host: &dyn Host) {
        let mut next = self.clock.timeline.first_deadline();
        // The running thread's slice end matters only while a peer waits for it.
        if let Some(level) = self.current_level() {
            if self.sched.ready().top_level() >= Some(level) {
                let end = self.sched.slice_end_ns();
                next = Some(next.map_or(end, |n| n.min(end)));
            }
        }
        if let Some(end) = self.sched.budget_end() {
            next = Some(next.map_or(end, |n| n.min(end)));
        }
        self.clock.arm(host, next);
        self.send_kicks(host);
    }
}
