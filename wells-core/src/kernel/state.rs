//! The kernel's state and the scheduling decisions made on it (always with the state locked
//! and interrupts masked). Nothing here switches stacks: it only says what to switch to.

use super::objects::Object;
use super::timeline::{Timeline, Wakeup};
use crate::domain::Domain;
use crate::handle::{Handle, Kind, ObjectTable};
use crate::host::Host;
use crate::sched::{Policy, Requeue, Runnable};
use crate::telemetry::EventKind;
use crate::thread::{stack_intact, ThreadState, WaitSlot, WakeReason};
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Most objects one kernel holds.
pub const MAX_OBJECTS: usize = 16384;
/// Longest chain of mutex owners that priority inheritance follows.
const MAX_INHERITANCE_DEPTH: usize = 32;

/// The thread `handle` in `objects` (a free function, so the policy can be borrowed beside it).
fn thread_in(objects: &mut ObjectTable<Object>, handle: Handle) -> Option<&mut crate::thread::Thread> {
    match objects.get_mut(handle, Kind::Thread) {
        Ok(Object::Thread(thread)) => Some(thread),
        _ => None,
    }
}

/// A switch the scheduler decided on.
pub struct Switch {
    /// Where the current context's stack pointer goes.
    pub save: *mut usize,
    /// The stack pointer of the context to resume.
    pub resume: usize,
    /// The address space to make current first, when the domain changes.
    pub space: Option<usize>,
}

/// Everything the kernel knows, behind one lock.
pub struct State {
    pub objects: ObjectTable<Object>,
    pub policy: Box<dyn Policy>,
    pub timeline: Timeline,
    pub domains: Vec<Domain>,
    /// The thread on the CPU; `None` for the idle context or the host outside `run`.
    pub current: Option<Handle>,
    /// Saved stack pointer of the idle context (the host thread inside `run`).
    pub idle_sp: usize,
    /// True inside `run`: threads may be switched to.
    pub running: bool,
    /// Nesting depth of timer callbacks running now (they must not block or switch).
    pub callback_depth: u32,
    /// Depth of the embedder's own critical sections (`Kernel::hold`): no switch and no fate
    /// is carried out inside one.
    pub held: u32,
    /// A switch is due at the end of the current kernel call.
    pub resched: Option<Requeue>,
    pub slice_end_ns: u64,
    /// When the running thread's domain uses up its CPU budget (`None`: no budget).
    pub budget_end_ns: Option<u64>,
    /// Domains with a CPU budget: while 0, scheduling skips budget accounting altogether.
    pub budgeted_domains: usize,
    /// Started threads that have not exited.
    pub live_threads: usize,
    /// Stack of a thread that just exited, freed once we are off it.
    pub dead_stack: Option<crate::mem::Stack>,
    /// Deadline last given to the host timer, `None` once it fired (or was never armed).
    pub armed: Option<u64>,
    /// Address space of the running context.
    pub active_space: usize,
    /// The clock as last read by the kernel (for deadline slack when placing threads).
    pub now_ns: u64,
    /// Events for tools and advisors.
    pub telemetry: crate::telemetry::Ring,
    /// Deadline misses and the decision-set guard.
    pub guard: crate::sched::guard::Guard,
    /// Threads with a pending fate (restart or stop) to carry out at the end of the call.
    pub fates: Vec<Handle>,
    /// Where a context that is abandoned (a thread restarting) saves its stack pointer.
    pub discard_sp: usize,
    /// The next switch abandons the current context instead of saving it.
    pub abandon_current: bool,
    /// The running thread, its slice or the ready set changed: the timer may need re-arming.
    pub timer_dirty: bool,
    /// The static configuration's bounds, once reserved: new objects get their queues sized
    /// from them.
    pub bounds: Option<super::StaticBounds>,
}

impl State {
    pub fn new(policy: Box<dyn Policy>) -> State {
        State {
            objects: ObjectTable::new(MAX_OBJECTS),
            policy,
            timeline: Timeline::default(),
            domains: alloc::vec![Domain::kernel()],
            current: None,
            idle_sp: 0,
            running: false,
            callback_depth: 0,
            held: 0,
            resched: None,
            slice_end_ns: 0,
            budget_end_ns: None,
            budgeted_domains: 0,
            live_threads: 0,
            dead_stack: None,
            armed: None,
            active_space: 0,
            timer_dirty: false,
            now_ns: 0,
            telemetry: crate::telemetry::Ring::default(),
            guard: crate::sched::guard::Guard::default(),
            fates: Vec::new(),
            discard_sp: 0,
            abandon_current: false,
            bounds: None,
        }
    }

    /// Effective priority of the current thread, `None` for idle.
    /// Run-queue level of the current thread (where the policy placed it), `None` for idle.
    fn current_level(&self) -> Option<u8> {
        self.current.and_then(|c| self.thread(c).ok()).map(|t| t.placement.level)
    }

    /// A thread at run-queue `level` became runnable: ask for a switch if it beats the
    /// current one.
    pub fn note_ready(&mut self, level: u8) {
        self.timer_dirty = true;
        match self.current_level() {
            None if self.running => self.resched = Some(Requeue::Back),
            Some(current) if level > current => self.resched = Some(Requeue::Front),
            _ => {}
        }
    }

    /// What the policy sees of a thread.
    fn runnable(thread: &crate::thread::Thread, handle: Handle, now_ns: u64, awaited_by_partners: bool) -> Runnable {
        Runnable {
            thread: handle,
            priority: thread.priority,
            base_priority: thread.base_priority,
            class: thread.class,
            deadline_slack_ns: thread.deadline_at.map(|d| d as i64 - now_ns as i64),
            in_transaction: !thread.transactions.is_empty(),
            awaited_by_partners,
            conflicts: thread.conflicts,
            waited_ns: now_ns.saturating_sub(thread.stopped_at_ns),
            cpu_share_pct: thread.cpu_share_pct,
        }
    }

    /// Makes a thread runnable: the policy places it, it is queued there. `released` when it
    /// starts or wakes (a new release: its deadline restarts), not when it is preempted.
    /// Returns its level, or `None` when the policy deferred it: it then sleeps on the
    /// timeline and is queued, once, when the deferral ends.
    pub fn make_runnable(&mut self, handle: Handle, at: Requeue, released: bool) -> Option<u8> {
        let now = self.now_ns;
        let awaited = self.awaited_by_partners(handle);
        let thread = thread_in(&mut self.objects, handle)?;
        let deferral_ended = core::mem::take(&mut thread.deferred);
        thread.roll_cpu_share(now);
        if released && !deferral_ended {
            thread.deadline_at = thread.relative_deadline_ns.map(|d| now.saturating_add(d));
        }
        let placement = self.policy.place(&Self::runnable(thread, handle, now, awaited));
        if released && !deferral_ended && placement.defer_ns > 0 {
            thread.deferred = true;
            thread.state = ThreadState::Sleeping;
            thread.timeout_key = Some(self.timeline.insert(now.saturating_add(placement.defer_ns), Wakeup::Thread(handle)));
            return None;
        }
        thread.placement = placement;
        thread.state = ThreadState::Ready;
        thread.ready_since_ns = now;
        self.policy.enqueue(handle, placement.level, at);
        if placement.gang {
            self.gang_up(handle, placement.level);
        }
        if placement.abort_conflicting {
            self.abort_conflicting_with(handle);
        }
        if released {
            self.telemetry.record(now, EventKind::Wake, Some(handle), placement.level as u64);
        }
        Some(placement.level)
    }

    /// True when, in one of `thread`'s active transactions, another member voted commit and
    /// `thread` has not: the partners wait for it. Bounded by its transactions x MAX_MEMBERS.
    fn awaited_by_partners(&self, thread: Handle) -> bool {
        let Ok(t) = self.thread(thread) else { return false };
        t.transactions.iter().filter_map(|&txn| self.transaction(txn).ok()).filter(|txn| txn.is_active()).any(|txn| {
            let mine = txn.members.iter().any(|m| m.thread == thread && m.voted_commit);
            !mine && txn.commit_votes() > 0
        })
    }

    /// A gang action: the ready partners of `thread` (members of its transactions) queued
    /// below `level` move up to it. Bounded by the thread's transactions times MAX_MEMBERS;
    /// a partner is only ever raised, and its next placement is its own again.
    fn gang_up(&mut self, thread: Handle, level: u8) {
        let transactions = self.thread(thread).map_or(0, |t| t.transactions.len());
        for i in 0..transactions {
            let Some(txn) = self.thread(thread).ok().and_then(|t| t.transactions.get(i).copied()) else { return };
            let members = self.transaction(txn).map_or(0, |t| t.members.len());
            for j in 0..members {
                let Some(partner) = self.transaction(txn).ok().and_then(|t| t.members.get(j)).map(|m| m.thread) else { break };
                let Ok(p) = self.thread_mut(partner) else { continue };
                if partner == thread || p.state != ThreadState::Ready || p.placement.level >= level {
                    continue;
                }
                let queued = core::mem::replace(&mut p.placement.level, level);
                if self.policy.remove(partner, queued) {
                    self.policy.enqueue(partner, level, Requeue::Back);
                }
            }
        }
    }

    /// Makes a blocked or sleeping thread runnable with `reason` (or suspended, if asked).
    pub fn wake(&mut self, handle: Handle, reason: WakeReason) {
        let Ok(thread) = self.thread_mut(handle) else { return };
        let key = thread.timeout_key.take();
        thread.waiting_on = None;
        thread.wake_reason = Some(reason);
        if thread.suspend_pending {
            thread.suspend_pending = false;
            thread.state = ThreadState::Suspended;
        } else {
            if let Some(level) = self.make_runnable(handle, Requeue::Back, true) {
                self.note_ready(level);
            }
        }
        if let Some(key) = key {
            self.timeline.remove(key);
        }
    }

    /// A thread's deadline passed: take it out of whatever it waited in and wake it.
    pub fn time_out(&mut self, handle: Handle) {
        let Ok(thread) = self.thread_mut(handle) else { return };
        thread.timeout_key = None;
        let (reason, waited) = match thread.state {
            // A plain sleep has no reason yet; a deferred thread keeps the one it was woken with.
            ThreadState::Sleeping => (thread.wake_reason.unwrap_or(WakeReason::Done), None),
            _ => (WakeReason::TimedOut, thread.waiting_on),
        };
        if let Some((object, slot)) = waited {
            if let Some(queue) = self.wait_queue_mut(object, slot) {
                queue.remove(handle);
            }
            if let Ok(Some(owner)) = self.mutex(object).map(|m| m.owner) {
                self.update_priority(owner);
            }
        }
        self.wake(handle, reason);
    }

    /// Wakes every waiter of a queue being destroyed (an iterator, so draining a queue taken
    /// out of the table allocates nothing).
    pub fn wake_all(&mut self, waiters: impl IntoIterator<Item = Handle>, reason: WakeReason) {
        for waiter in waiters {
            self.wake(waiter, reason);
        }
    }

    /// Recomputes `handle`'s effective priority from its base and the mutexes it holds, and
    /// follows the chain of owners it is blocked on (bounded).
    pub fn update_priority(&mut self, mut handle: Handle) {
        for _ in 0..MAX_INHERITANCE_DEPTH {
            let Ok(thread) = self.thread(handle) else { return };
            let mut priority = thread.base_priority;
            for &mutex in &thread.owned_mutexes {
                if let Ok(Some(top)) = self.mutex(mutex).map(|m| m.waiters.top_priority()) {
                    priority = priority.max(top);
                }
            }
            let (old, state, waiting_on) = (thread.priority, thread.state, thread.waiting_on);
            if priority == old {
                return;
            }
            if let Ok(thread) = self.thread_mut(handle) {
                thread.priority = priority;
            }
            match state {
                ThreadState::Ready => {
                    let queued = self.thread(handle).map_or(old, |t| t.placement.level);
                    self.policy.remove(handle, queued);
                    if let Some(level) = self.make_runnable(handle, Requeue::Back, false) {
                        self.note_ready(level);
                    }
                }
                ThreadState::Running => {
                    let now = self.now_ns;
                    let awaited = self.awaited_by_partners(handle);
                    if let Some(thread) = thread_in(&mut self.objects, handle) {
                        thread.placement = self.policy.place(&Self::runnable(thread, handle, now, awaited));
                        if self.policy.top_level() > Some(thread.placement.level) {
                            self.resched = Some(Requeue::Front);
                        }
                    }
                }
                ThreadState::Blocked => {
                    let Some((object, slot)) = waiting_on else { return };
                    if let Some(queue) = self.wait_queue_mut(object, slot) {
                        queue.reposition(handle, priority);
                    }
                    match self.mutex(object).map(|m| m.owner) {
                        Ok(Some(owner)) => {
                            handle = owner;
                            continue;
                        }
                        _ => return,
                    }
                }
                _ => {}
            }
            return;
        }
    }

    /// Hands mutex `mutex` from `owner` to its first waiter (woken with `reason`), or frees it.
    pub fn release_mutex(&mut self, mutex: Handle, owner: Handle, reason: WakeReason) {
        if let Ok(thread) = self.thread_mut(owner) {
            thread.owned_mutexes.retain(|&m| m != mutex);
        }
        let Ok(m) = self.mutex_mut(mutex) else { return };
        m.owner = m.waiters.pop();
        m.owner_died = m.owner.is_none() && reason == WakeReason::OwnerDied;
        if let Some(next) = m.owner {
            if let Ok(thread) = self.thread_mut(next) {
                thread.owned_mutexes.push(mutex);
            }
            self.wake(next, reason);
            self.update_priority(next);
        }
        self.update_priority(owner);
    }

    /// Decides what runs next. The current thread, if still running, goes back to the policy
    /// (`requeue` says where). Returns the switch to make, `None` when the current context
    /// stays. Panics only on a broken kernel invariant or a smashed stack canary.
    pub fn schedule(&mut self, now_ns: u64, requeue: Requeue) -> Option<Switch> {
        if !self.running {
            return None;
        }
        // Each thread is looked up once; `objects` and `policy` are borrowed apart.
        self.now_ns = now_ns;
        let previous = self.current;
        let mut save: *mut usize = &mut self.idle_sp;
        let mut charge = None;
        if let Some(handle) = previous {
            let thread = thread_in(&mut self.objects, handle).expect("wells: current thread vanished");
            let ran = now_ns.saturating_sub(thread.last_start_ns);
            charge = Some((thread.exec.domain, ran));
            thread.run_time_ns += ran;
            thread.share_window_run_ns += ran;
            thread.stopped_at_ns = now_ns;
            if let Some(stack) = &thread.stack {
                assert!(stack_intact(stack.as_slice()), "wells: stack overflow in thread '{}'", thread.stats(now_ns).name_str());
            }
            if thread.state == ThreadState::Running {
                thread.state = ThreadState::Ready;
                thread.ready_since_ns = now_ns;
                // Preempted: it keeps the rest of its slice; yielding or out of slice: a new one.
                thread.slice_left_ns = match requeue {
                    Requeue::Front => self.slice_end_ns.saturating_sub(now_ns),
                    Requeue::Back => 0,
                };
                // Preempted or yielding: same release, so the placement it has stands.
                self.policy.enqueue(handle, thread.placement.level, requeue);
            }
            save = if core::mem::take(&mut self.abandon_current) { &mut self.discard_sp } else { &mut thread.saved_sp };
        }
        let budgets = self.budgeted_domains > 0;
        if let (Some((domain, ran)), true) = (charge, budgets) {
            self.charge_budget(domain, ran, now_ns);
        }
        self.resched = None;
        self.timer_dirty = true;
        let next = loop {
            match self.policy.pick_next() {
                Some(handle) if budgets && self.park_if_throttled(handle) => continue,
                picked => break picked,
            }
        };
        self.budget_end_ns = None;
        let (resume, domain) = match next {
            Some(handle) => {
                let thread = thread_in(&mut self.objects, handle).expect("wells: policy chose a dead thread");
                thread.state = ThreadState::Running;
                thread.last_start_ns = now_ns;
                thread.wait_time_ns += now_ns.saturating_sub(thread.ready_since_ns);
                if next != previous {
                    thread.switches += 1;
                    self.telemetry.record(now_ns, EventKind::Switch, Some(handle), thread.placement.level as u64);
                }
                let slice = match core::mem::take(&mut thread.slice_left_ns) {
                    0 => thread.placement.slice_ns,
                    left => left,
                };
                self.slice_end_ns = now_ns.saturating_add(slice);
                let domain = thread.exec.domain;
                if budgets {
                    let left = self.domains.get(domain.0 as usize).and_then(|d| d.budget_left(now_ns));
                    self.budget_end_ns = left.map(|left| now_ns.saturating_add(left));
                }
                (thread.saved_sp, domain)
            }
            None => (self.idle_sp, crate::domain::DomainId::KERNEL),
        };
        if next == previous {
            return None;
        }
        self.current = next;
        let next_space = self.domains.get(domain.0 as usize).map_or(0, |d| d.space);
        let space = (next_space != self.active_space).then_some(next_space);
        self.active_space = next_space;
        Some(Switch { save, resume, space })
    }

    /// The current release of `handle` ends at `now_ns` (it blocks, sleeps or exits): a late
    /// end is a deadline miss, which the guard judges.
    pub fn end_release(&mut self, handle: Handle, now_ns: u64) {
        let Some(thread) = thread_in(&mut self.objects, handle) else { return };
        let Some(deadline) = thread.deadline_at.take() else { return };
        if now_ns <= deadline {
            return;
        }
        thread.deadline_misses += 1;
        self.telemetry.record(now_ns, EventKind::DeadlineMiss, Some(handle), now_ns - deadline);
        if let Some(revert) = self.guard.note_miss(now_ns) {
            if self.policy.revert_set() {
                self.telemetry.record(now_ns, EventKind::SetReverted, None, revert.misses as u64);
            }
        }
    }

    /// Ends a thread that is not running: out of every queue, its mutexes handed on, its
    /// joiners woken, its stack freed.
    pub fn kill(&mut self, handle: Handle, code: i32) {
        let Ok(thread) = self.thread_mut(handle) else { return };
        let (state, priority, key, waiting_on) = (thread.state, thread.priority, thread.timeout_key.take(), thread.waiting_on.take());
        if matches!(state, ThreadState::Running | ThreadState::Exited) {
            return;
        }
        match state {
            ThreadState::Ready => {
                let level = self.thread(handle).map_or(priority, |t| t.placement.level);
                self.policy.remove(handle, level);
            }
            ThreadState::Blocked | ThreadState::Sleeping => {
                if let Some(key) = key {
                    self.timeline.remove(key);
                }
                if let Some((object, slot)) = waiting_on {
                    if let Some(queue) = self.wait_queue_mut(object, slot) {
                        queue.remove(handle);
                    }
                    if let Ok(Some(owner)) = self.mutex(object).map(|m| m.owner) {
                        self.update_priority(owner);
                    }
                }
            }
            _ => {}
        }
        self.finish_thread(handle, code, state != ThreadState::Created);
    }

    /// The common end of a thread: exit code, mutexes handed on (`OwnerDied`), joiners woken.
    /// Returns its stack, which the caller frees once nobody runs on it.
    pub fn finish_thread(&mut self, handle: Handle, code: i32, was_started: bool) -> Option<crate::mem::Stack> {
        let now = self.now_ns;
        let thread = self.thread_mut(handle).ok()?;
        // Taken while it still runs, so its last stretch on the CPU counts.
        let counters = crate::txn::TxnCounters::of_thread(&thread.stats(now));
        thread.state = ThreadState::Exited;
        thread.exit_code = code;
        thread.priority = thread.base_priority;
        thread.suspend_pending = false;
        let owned = core::mem::take(&mut thread.owned_mutexes);
        let mut joiners = core::mem::take(&mut thread.joiners);
        let transactions = core::mem::take(&mut thread.transactions);
        let stack = thread.stack.take();
        self.transactions_member_ended(handle, &counters, transactions);
        for mutex in owned {
            self.release_mutex(mutex, handle, WakeReason::OwnerDied);
        }
        self.wake_all(joiners.drain(), WakeReason::Done);
        if was_started {
            self.live_threads -= 1;
        }
        stack
    }

    /// The wait-bound guard: a runnable thread that has waited longer than the bound is put
    /// back where the classic policy would have it (its own priority, at the front), undoing a
    /// decision set that parked it lower. Bounded: one look at the longest waiter of each level.
    pub fn enforce_wait_bound(&mut self, now_ns: u64) {
        let bound = self.guard.wait_bound_ns;
        let Some(queued_top) = self.policy.top_level() else { return };
        if bound == 0 {
            return;
        }
        // The top is the running thread's level if it is higher than any queued one.
        let top = queued_top.max(self.current_level().unwrap_or(0));
        for level in 0..top {
            let Some(handle) = self.policy.head(level) else { continue };
            let Some(thread) = thread_in(&mut self.objects, handle) else { continue };
            let classic = thread.priority;
            if classic <= level || now_ns.saturating_sub(thread.ready_since_ns) <= bound {
                continue;
            }
            self.policy.remove(handle, level);
            thread.placement.level = classic;
            self.policy.enqueue(handle, classic, Requeue::Front);
            self.note_ready(classic);
        }
    }

    /// The time slice of the current thread ended: let its peers run.
    pub fn slice_check(&mut self, now_ns: u64) {
        self.now_ns = now_ns;
        // Its domain's budget for the period is used up: off the CPU (`schedule` throttles).
        if self.budget_end_ns.is_some_and(|end| now_ns >= end) {
            self.resched = Some(Requeue::Back);
            return;
        }
        let Some(current) = self.current else { return };
        let Some((level, slice)) = self.thread(current).ok().map(|t| (t.placement.level, t.placement.slice_ns)) else { return };
        if now_ns < self.slice_end_ns {
            return;
        }
        if self.policy.top_level() >= Some(level) {
            self.resched = Some(Requeue::Back);
        } else {
            self.slice_end_ns = now_ns.saturating_add(slice);
            self.timer_dirty = true;
        }
    }

    /// Runs the deadlines that passed; returns a timer whose callback must run now (the caller
    /// drops the lock for it), or `None` when nothing more is due.
    pub fn expire_one(&mut self, now_ns: u64) -> Option<Handle> {
        // Threads woken here start their release (deadline, deferral) now, not at the last call.
        self.now_ns = now_ns;
        loop {
            let (deadline, wakeup) = self.timeline.pop_due(now_ns)?;
            match wakeup {
                Wakeup::Thread(thread) => self.time_out(thread),
                Wakeup::Budget(domain) => self.replenish_budget(domain, now_ns),
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
                        let key = self.timeline.insert(next, Wakeup::Timer(timer));
                        if let Ok(t) = self.timer_mut(timer) {
                            t.key = Some(key);
                        }
                    }
                    return Some(timer);
                }
            }
        }
    }

    /// Arms the host timer for the next thing that needs the CPU's attention.
    pub fn reprogram_timer(&mut self, host: &dyn Host) {
        let timeline_changed = self.timeline.take_changed();
        if !timeline_changed && !core::mem::take(&mut self.timer_dirty) {
            return;
        }
        self.timer_dirty = false;
        let mut next = self.timeline.first_deadline();
        if let Some(level) = self.current_level() {
            if self.policy.top_level() >= Some(level) {
                next = Some(next.map_or(self.slice_end_ns, |n| n.min(self.slice_end_ns)));
            }
        }
        if let Some(end) = self.budget_end_ns {
            next = Some(next.map_or(end, |n| n.min(end)));
        }
        // Re-arm only to move the interrupt earlier. A timer armed too early costs one spurious
        // tick (which re-arms for the right time); re-arming on every switch would cost a host
        // call each time (a system call for the POSIX adapter).
        if let Some(deadline) = next {
            if self.armed.is_none_or(|armed| deadline < armed) {
                host.timer_arm(deadline);
                self.armed = Some(deadline);
            }
        }
    }

    /// Domain `id`, unless it does not exist or was destroyed.
    pub fn live_domain(&self, id: crate::domain::DomainId) -> Option<&Domain> {
        self.domains.get(id.0 as usize).filter(|d| !d.destroyed)
    }

    /// Domain `id`, writable, unless it does not exist or was destroyed.
    pub fn live_domain_mut(&mut self, id: crate::domain::DomainId) -> Option<&mut Domain> {
        self.domains.get_mut(id.0 as usize).filter(|d| !d.destroyed)
    }

    /// Handles of live threads.
    pub fn thread_handles(&self) -> impl Iterator<Item = Handle> + '_ {
        self.objects.handles(Kind::Thread)
    }

    /// True when the current context is a thread that may block.
    pub fn may_block(&self) -> Option<Handle> {
        match (self.running, self.callback_depth, self.current) {
            (true, 0, Some(current)) => Some(current),
            _ => None,
        }
    }

    /// Queue to wait in for `object`/`slot`.
    pub fn enqueue_waiter(&mut self, object: Handle, slot: WaitSlot, thread: Handle) {
        let priority = self.thread(thread).map(|t| t.priority).unwrap_or(0);
        if let Some(queue) = self.wait_queue_mut(object, slot) {
            queue.push(thread, priority);
        }
    }
}
