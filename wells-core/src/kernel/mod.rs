//! The kernel: one value holding the state, the CPU port and the host, and the mechanics of
//! entering it (critical sections), blocking, switching, idling and ticking.
//!
//! The state behind the lock (`state.rs`) is made of parts that own their data: the
//! scheduler (`scheduler.rs`), the clock (`clock.rs`), the domains and budgets
//! (`domains.rs`), beside the object table (`objects.rs`). The calls are grouped by subject
//! in `*_calls.rs`: each enters the critical section, asks the owning part, and blocks or
//! switches when that says so.

mod affinity;
mod clock;
mod critical;
pub mod domain_calls;
mod domains;
mod elsewhere;
mod mutexes;
pub mod objects;
pub mod percpu;
mod port_calls;
mod port_fast;
mod scheduler;
pub mod state;
mod sync_calls;
mod thread_calls;
mod threads;
pub mod timeline;
mod policy_calls;
mod restart;
mod sealing;
mod timer_calls;
mod trace_calls;
mod transactions;
mod txn_calls;

use crate::arch::{switch_context, Arch};
use crate::error::{Error, Result};
use crate::host::Host;
use crate::sched::{Policy, Requeue};
use crate::thread::{ThreadState, WaitSlot, WakeReason};
use crate::time::Timeout;
use crate::handle::Handle;
use alloc::boxed::Box;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use critical::Critical;
pub use sealing::StaticBounds;
use spin::mutex::SpinMutex;
use state::{State, Switch};

/// The kernel's lock held: what every kernel path works on.
pub(crate) type StateGuard<'k> = spin::mutex::SpinMutexGuard<'k, State>;

/// One wells kernel instance.
///
/// Pinned: threads reach their kernel through its address, so it never moves. Dropping it
/// frees every object; it must not be dropped from one of its own threads.
pub struct Kernel<A: Arch> {
    arch: &'static A,
    host: Box<dyn Host>,
    /// The kernel's one lock. Held across a switch that hands it over and released by the
    /// context switched to (`Kernel::switch_locked`).
    state: SpinMutex<State>,
    /// Set by [`Kernel::seal`]: no more objects (read without the lock, before allocating).
    sealed: AtomicBool,
    /// Set once the telemetry ring is on: [`Kernel::trace`] tests it without the lock.
    tracing: AtomicBool,
    /// Secondary CPUs that run threads or are on their way to (`run_secondary`, counted
    /// before they wait for the lock): while there is one, no switch hands the lock over
    /// (`Kernel::switch_locked`); with none, only the CPU in `run` runs threads.
    secondaries: AtomicUsize,
    _pinned: PhantomPinned,
}

impl<A: Arch> Kernel<A> {
    /// A kernel on CPU `arch` in environment `host`. It schedules classically until an
    /// advisor loads a decision set ([`Kernel::policy_load`]).
    pub fn new(arch: &'static A, host: Box<dyn Host>) -> Pin<Box<Self>> {
        #[cfg(feature = "decision-sets")]
        let policy = Box::new(crate::sched::DecisionSetPolicy::new());
        #[cfg(not(feature = "decision-sets"))]
        let policy = Box::new(crate::sched::ClassicPolicy::default());
        Self::with_policy(arch, host, policy)
    }

    /// A kernel with a policy of the caller's choice behind the policy seam.
    pub fn with_policy(arch: &'static A, host: Box<dyn Host>, policy: Box<dyn Policy>) -> Pin<Box<Self>> {
        Box::pin(Kernel { arch, host, state: SpinMutex::new(State::new(policy)), sealed: AtomicBool::new(false), tracing: AtomicBool::new(false), secondaries: AtomicUsize::new(0), _pinned: PhantomPinned })
    }

    /// The host this kernel runs in.
    pub fn host(&self) -> &dyn Host {
        &*self.host
    }

    /// The CPU port.
    pub fn arch(&self) -> &'static A {
        self.arch
    }

    /// Monotonic time in nanoseconds.
    pub fn now_ns(&self) -> u64 {
        self.host.now_ns()
    }

    /// Locks the state for the CPU the caller runs on (interrupts masked by the caller): the
    /// per-CPU slots reached under this lock are that CPU's. With one CPU, just the lock; with
    /// several, the CPU is asked only once a secondary joined or is joining (`secondaries`):
    /// before that every caller is the CPU in `run`, whose slots [`Kernel::run`] put in
    /// place (a CPU calls into the kernel once it joined, as `run_secondary` says).
    /// A hint, not forced: the speed-first builds inline it at every kernel call all the same
    /// (the same instruction counts), the size-first build (`minimal` profile) keeps one copy
    /// instead of the spin lock's loop at some twenty call sites (~500 bytes of flash).
    #[inline]
    fn lock(&self) -> StateGuard<'_> {
        let mut state = self.state.lock();
        if percpu::MAX_CPUS > 1 && self.secondaries.load(Ordering::Relaxed) != 0 {
            state.set_cpu(self.arch.cpu_id());
        }
        state
    }

    /// [`Kernel::lock`] that always puts the caller's CPU's slots in place.
    fn lock_here(&self) -> StateGuard<'_> {
        let mut state = self.state.lock();
        if percpu::MAX_CPUS > 1 {
            state.set_cpu(self.arch.cpu_id());
        }
        state
    }

    /// Enters the kernel: masks interrupts and locks the state until the guard drops.
    #[inline(always)]
    fn critical(&self) -> Critical<'_, A> {
        Critical::enter(self)
    }

    /// Reads the state for a query that changes nothing: interrupts masked and the lock held
    /// while `read` runs, but no end of a kernel call (`Kernel::finish`): nothing it would do
    /// (a switch, a fate, the timer) can have become due. Half the cost of a critical section,
    /// for the look-ups every system call naming an object starts with (`current_domain`).
    #[inline]
    fn peek<R>(&self, read: impl FnOnce(&State) -> R) -> R {
        let were_enabled = self.arch.irq_save();
        let answer = read(&self.lock());
        self.irq_restore(were_enabled);
        answer
    }

    /// Starts (`true`) or ends (`false`) a section of the embedder's own (the C library's
    /// `wells_critical_enter`), nestable: no switch and no transaction fate happens inside.
    /// Call with interrupts masked.
    pub fn hold(&self, start: bool) {
        self.lock().sched.hold(start);
    }

    /// Masks this kernel's interrupts (ticks); returns whether they were enabled. For
    /// embedders that must keep wells out of a non-reentrant section of their own.
    pub fn irq_save(&self) -> bool {
        self.arch.irq_save()
    }

    /// Lifts the interrupt mask taken by `irq_save`, first running any tick that was deferred
    /// while it was held.
    pub fn irq_restore(&self, were_enabled: bool) {
        if !were_enabled {
            return;
        }
        loop {
            while self.arch.irq_take_deferred() {
                self.tick_masked();
            }
            self.arch.irq_restore(true);
            // A tick landing between the last check and the unmask deferred itself.
            if !self.arch.irq_take_deferred() {
                return;
            }
            self.arch.irq_save();
            self.tick_masked();
        }
    }

    /// Ends a kernel call: makes a due switch (unless in a callback or outside `run`) and
    /// re-arms the host timer. Called with interrupts masked; consumes the lock. The common
    /// case, nothing due, is inline; the rest is [`Kernel::finish_due`].
    #[inline]
    fn finish<'k>(&'k self, mut state: StateGuard<'k>) {
        if state.sched.resched().is_none() && !state.has_fates() && !state.sched.held() {
            state.reprogram_timer(&*self.host);
            return;
        }
        self.finish_due(state);
    }

    /// [`Kernel::finish`] when a switch or a fate may be due, or inside an embedder's section.
    #[inline(never)]
    fn finish_due<'k>(&'k self, mut state: StateGuard<'k>) {
        if state.sched.held() {
            // Inside the embedder's section: a switch or a fate now would leave it held by a
            // thread that is not running; the next call or tick outside does them.
            state.reprogram_timer(&*self.host);
            return;
        }
        if state.has_fates() && !state.sched.callback_running() {
            state = self.carry_out_fates(state);
        }
        if !state.sched.callback_running() {
            if let Some(requeue) = state.sched.resched() {
                let now = self.host.now_ns();
                if let Some(switch) = state.schedule(now, requeue) {
                    state.reprogram_timer(&*self.host);
                    self.switch_locked(&mut state, switch);
                    state.send_kicks(&*self.host);
                    return;
                }
            }
        }
        state.reprogram_timer(&*self.host);
    }

    /// Whether every switch hands the kernel's lock to the context switched to: with one CPU.
    /// With several it is handed over only while no other CPU runs threads or waits to
    /// (`Kernel::hands_lock_over`): otherwise a waiting CPU could be kept out for good, a
    /// thread yielding in a loop holding the lock almost all the time (a guest with two vCPUs
    /// on one time-shared CPU hung so: its second vCPU only ever ran while the first held the
    /// lock), and a fair lock stalled multi-threaded TCG with more vCPUs than host cores
    /// (`docs/core.md`).
    pub(crate) const HANDS_LOCK_OVER: bool = percpu::MAX_CPUS == 1;

    /// The token a switch passes when it hands the lock over (`Arch::switch`); 0: let go.
    const LOCK_HANDED: usize = 1;

    /// Whether this switch hands the lock over: always with one CPU; with several, where the
    /// port passes the switch's token, while no secondary CPU runs threads or is joining
    /// (`run_secondary` counts itself in `secondaries` before it takes the lock, so the
    /// count is seen by every switch made under the lock after it got in): this CPU is then
    /// the only one that runs threads. One word read, without the state.
    #[inline(always)]
    fn hands_lock_over(&self) -> bool {
        Self::HANDS_LOCK_OVER || (A::PASSES_SWITCH_TOKEN && self.secondaries.load(Ordering::Relaxed) == 0)
    }

    /// True when the switch that passed `token` handed this context the lock.
    #[inline(always)]
    pub(crate) fn lock_came_with(token: usize) -> bool {
        Self::HANDS_LOCK_OVER || (A::PASSES_SWITCH_TOKEN && token == Self::LOCK_HANDED)
    }

    /// Switches to `switch`'s context; returns once this context is switched back in, with the
    /// lock held and what the previous context left done (`State::after_switch`). Where the
    /// switch hands the lock over (`Kernel::hands_lock_over`) it stays held across it and the
    /// context switched to releases it, so a switch takes it once; otherwise it is let go
    /// before and taken again after. Either way `state`, the caller's guard, stays in place:
    /// while the lock is let go nothing reads the state through it.
    #[inline(always)]
    pub(super) fn switch_locked(&self, state: &mut StateGuard<'_>, switch: Switch) {
        if Self::HANDS_LOCK_OVER {
            switch_context(self.arch, switch, Self::LOCK_HANDED);
            state.after_switch();
            return;
        }
        // Two calls rather than a token computed: the common one (handed over) tests one word.
        let token = if self.hands_lock_over() {
            switch_context(self.arch, switch, Self::LOCK_HANDED)
        } else {
            crate::arch::let_lock_go_keeping_guard(self);
            switch_context(self.arch, switch, 0)
        };
        // How the lock was left depends on the switch back, which may have been made while the
        // CPUs running threads were others than at the switch away.
        if Self::lock_came_with(token) {
            state.after_switch_handed();
        } else {
            // Let go: taken again (the guard kept is the one that lets it go in the end).
            core::mem::forget(self.lock());
            state.after_switch();
        }
    }

    /// Switches away from a context that never resumes (an exit, a restart): the lock is
    /// handed over or let go first, as `Kernel::switch_locked` would.
    pub(super) fn switch_for_good(&self, state: StateGuard<'_>, switch: Switch) {
        let token = if self.hands_lock_over() {
            core::mem::forget(state);
            Self::LOCK_HANDED
        } else {
            drop(state);
            0
        };
        switch_context(self.arch, switch, token);
    }

    /// The kernel's lock, for the places that let it go or release it without the guard that
    /// took it: a switch that keeps its guard and a new thread's first steps
    /// (`arch::let_lock_go_keeping_guard`, `arch::thread_bootstrap`).
    pub(crate) fn lock_handed_over(&self) -> &SpinMutex<State> {
        &self.state
    }

    /// First thing a new thread does: free what the previous one left, and let other CPUs
    /// have the thread it switched away from (what every resumed context does after its
    /// switch): under the lock handed over by that switch (`state`), or taken here (`state`
    /// is `None`).
    pub(crate) fn first_steps(&self, state: Option<&mut State>) {
        let mut taken;
        let state = match state {
            Some(state) => state,
            None => {
                taken = self.lock();
                &mut *taken
            }
        };
        state.after_switch();
        state.send_kicks(&*self.host);
    }

    /// Blocks the current thread (already queued on `waiting_on` by the caller, if any) until
    /// it is woken or `deadline_ns` passes. The caller checked it may block.
    fn block(
        &self,
        cs: &mut Critical<'_, A>,
        waiting_on: Option<(Handle, WaitSlot)>,
        deadline_ns: Option<u64>,
        state: ThreadState,
    ) -> WakeReason {
        let Some(current) = cs.sched.current() else { return WakeReason::Destroyed };
        let now = self.host.now_ns();
        cs.end_release(current, now);
        cs.telemetry.record(now, crate::telemetry::EventKind::Block, Some(current), 0);
        let key = deadline_ns.map(|d| cs.clock.insert(d, timeline::Wakeup::Thread(current)));
        if let Some(thread) = cs.own_thread_mut(current) {
            thread.state = state;
            thread.waiting_on = waiting_on;
            thread.timeout_key = key;
            thread.wake_reason = None;
        }
        cs.switch_away(Requeue::Back);
        cs.own_thread_mut(current).and_then(|t| t.wake_reason.take()).unwrap_or(WakeReason::Done)
    }

    /// Checks the caller may block and returns its thread.
    fn blocking_caller(cs: &Critical<'_, A>) -> Result<Handle> {
        match cs.sched.may_block() {
            Some(current) if cs.were_enabled => Ok(current),
            _ => Err(Error::BadContext),
        }
    }

    /// A call given a timeout other than `NoWait` may block, so only a thread that may block
    /// can make it, even when it would not have to wait this time: the answer does not depend
    /// on timing.
    fn check_may_wait(cs: &Critical<'_, A>, timeout: Timeout) -> Result<()> {
        if timeout != Timeout::NoWait {
            Self::blocking_caller(cs)?;
        }
        Ok(())
    }

    /// Turns a wake reason into the caller's answer.
    fn wake_result(reason: WakeReason) -> Result<()> {
        match reason {
            WakeReason::Done => Ok(()),
            WakeReason::TimedOut => Err(Error::Timeout),
            WakeReason::Destroyed => Err(Error::Destroyed),
            WakeReason::OwnerDied => Err(Error::OwnerDied),
        }
    }

    /// Deadline of `timeout` from now (`None` = forever, which reads no clock).
    #[inline]
    fn deadline(&self, timeout: Timeout) -> Option<u64> {
        match timeout {
            Timeout::Forever => None,
            timeout => timeout.deadline(self.host.now_ns()),
        }
    }

    /// Runs the threads: the calling context becomes the idle context until every started
    /// thread has exited (`Ok`), or until the live threads are all blocked with nothing in the
    /// timeline that could wake them (`Err(Deadlock)`).
    pub fn run(&self) -> Result<()> {
        let were_enabled = self.arch.irq_save();
        {
            // This CPU's slots, whichever CPU took the lock last: until a secondary joins, the
            // lock leaves them in place (`Kernel::lock`).
            let mut state = self.lock_here();
            if state.sched.running() {
                // Decided under the lock: taking it again after the mask is lifted would let
                // a tick find it held and spin for ever.
                let error = if state.sched.current().is_some() { Error::BadContext } else { Error::BadState };
                drop(state);
                self.irq_restore(were_enabled);
                return Err(error);
            }
            state.sched.set_running(true);
            state.set_online(true);
            state.wake_other_cpus();
        }
        let result = self.run_threads(true);
        {
            let mut state = self.lock();
            state.set_online(false);
            state.sched.set_running(false);
        }
        self.irq_restore(were_enabled);
        result
    }

    /// Runs threads on a CPU other than the one in `run` (wells-core feature `smp`): the
    /// calling context (the CPU's boot stack, interrupts masked) becomes this CPU's idle
    /// context, and it picks threads from the same ready queues for good. Until `run` starts,
    /// and once it ended, it idles. `BadContext` for a CPU past the kernel's count or one that
    /// runs threads already.
    pub fn run_secondary(&self) -> Result<()> {
        if percpu::MAX_CPUS == 1 || self.arch.cpu_id() >= percpu::MAX_CPUS {
            return Err(Error::BadContext);
        }
        self.arch.irq_save();
        // Counted before it waits for the lock, and for good once it runs threads: the CPU
        // running threads stops handing the lock over at its switches, so this one gets in
        // (`Kernel::switch_locked`).
        self.secondaries.fetch_add(1, Ordering::Relaxed);
        {
            let mut state = self.lock();
            if state.sched.is_online() {
                drop(state);
                self.secondaries.fetch_sub(1, Ordering::Relaxed);
                return Err(Error::BadContext);
            }
            state.sched.set_idle();
            state.set_online(true);
        }
        let _ = self.run_threads(false);
        unreachable!("wells: a secondary CPU stopped running threads")
    }

    /// The idle loop of one CPU: switches to what the scheduler picks, else waits for an
    /// interrupt. The CPU in `run` (`main`) returns when every thread exited, or on a deadlock
    /// (nothing runs or can wake anywhere); the others never return.
    fn run_threads(&self, main: bool) -> Result<()> {
        loop {
            let mut state = self.lock();
            if main && state.sched.live_threads() == 0 {
                break Ok(());
            }
            // Several CPUs: a fate another CPU left waiting for a thread this CPU just let go.
            if percpu::MAX_CPUS > 1 && state.has_fates() && !state.sched.callback_running() {
                state = self.carry_out_fates(state);
                state.tell_main_if_all_idle();
            }
            let now = self.host.now_ns();
            if let Some(switch) = state.schedule(now, Requeue::Back) {
                state.reprogram_timer(&*self.host);
                self.switch_locked(&mut state, switch);
                state.send_kicks(&*self.host);
                continue;
            }
            // Several CPUs: not while another CPU runs a thread, one waits in the queue, or one
            // is still in flight from a CPU that left it (its watchers not yet woken, its fate
            // not yet carried out): that CPU tells this one once it settled it.
            let others_quiet = percpu::MAX_CPUS == 1 || (!state.others_busy() && state.sched.ready().top_level().is_none() && !state.has_fates() && !state.others_in_flight());
            if main && state.clock.is_idle() && others_quiet {
                break Err(Error::Deadlock);
            }
            state.reprogram_timer(&*self.host);
            drop(state);
            if percpu::MAX_CPUS > 1 || self.host.idles_masked() {
                // Waits with interrupts still masked (a pending one ends the wait all the
                // same), then takes them: one that came after the look above, or one whose
                // handler switched this idle context away and back, is not followed by a wait
                // that nothing ends (the last thread exiting elsewhere, a thread another CPU
                // just let go of).
                self.host.idle();
                self.irq_restore(true);
            } else {
                self.irq_restore(true);
                self.host.idle();
            }
            self.arch.irq_save();
            self.tick_masked();
        }
    }

    /// A reschedule interrupt from another CPU (`Host::kick_cpu`), with interrupts masked by
    /// the CPU: makes the switch that CPU made due here, and re-arms this CPU's timer.
    pub fn reschedule_interrupt(&self) {
        let mut state = self.lock();
        state.clock.mark_dirty();
        self.finish(state);
    }

    /// The host's timer fired. Safe from a signal handler or interrupt: if the kernel is in a
    /// critical section, the tick is deferred until it ends.
    pub fn tick(&self) {
        if !self.arch.irq_save() {
            self.arch.irq_defer();
            return;
        }
        self.tick_masked();
        self.irq_restore(true);
    }

    /// Timer interrupt entry for hardware ports, called with interrupts masked by the CPU.
    pub fn timer_interrupt(&self) {
        self.tick_masked();
    }

    /// Expires deadlines, runs timer callbacks (unlocked), ends time slices, switches if due.
    fn tick_masked(&self) {
        let mut state = self.lock();
        // The host's one-shot fired (or we cannot tell): make the next reprogram arm again.
        state.clock.fired();
        // Work an embedder queued from interrupt context (a joined port): run as a callback.
        if let Some(work) = self.arch.take_queued_work() {
            state.sched.in_callback(true);
            drop(state);
            work();
            state = self.lock();
            state.sched.in_callback(false);
        }
        loop {
            let now = self.host.now_ns();
            let Some(timer) = state.expire_one(now) else { break };
            let Some(mut callback) = state.timer_mut(timer).ok().and_then(|t| t.callback.take()) else { continue };
            state.sched.in_callback(true);
            drop(state);
            callback();
            state = self.lock();
            state.sched.in_callback(false);
            // The callback may have destroyed its own timer; then its closure is dropped here.
            if let Ok(t) = state.timer_mut(timer) {
                t.callback = Some(callback);
            }
        }
        let now = self.host.now_ns();
        state.enforce_wait_bound(now);
        state.slice_check(now);
        self.finish(state);
    }

    /// Live kernel objects of every kind (threads until joined); for leak checks.
    pub fn object_count(&self) -> usize {
        self.critical().objects.len()
    }

    /// True while `run` is running the threads.
    pub fn is_running(&self) -> bool {
        self.critical().sched.running()
    }

    /// Writes text to the host console.
    pub fn console_write(&self, text: &[u8]) {
        let _cs = self.critical();
        self.host.console_write(text);
    }
}

impl<A: Arch> Drop for Kernel<A> {
    /// Leaves no host timer armed behind (its objects and thread stacks are freed with it).
    fn drop(&mut self) {
        self.host.timer_cancel();
    }
}

