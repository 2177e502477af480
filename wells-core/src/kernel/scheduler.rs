//! The scheduler: which context has the CPU, the run queues (behind the policy seam), time
//! slices, pending switches, and the decision what runs next (`schedule`). It only decides:
//! the switch itself is made by the kernel (`Kernel::switch_locked`, `arch::switch_context`).

use super::state::{thread_in, State, Switch};
use super::timeline::Wakeup;
use crate::handle::Handle;
use crate::mem::Stack;
use crate::sched::guard::Guard;
use crate::sched::{Policy, ReadyQueues, Requeue, Runnable};
use crate::telemetry::EventKind;
use crate::thread::{ThreadState, STACK_CANARY};
use super::percpu::{PerCpu, MAX_CPUS};
use alloc::boxed::Box;

mod direct;
pub(super) use direct::HandOff;

/// Who has the CPUs and who waits for them.
pub struct Scheduler {
    /// Says at which level a thread that becomes runnable is queued.
    policy: Box<dyn Policy>,
    /// What `policy.uniform_slice()` answered after its last change: `Some` while threads are
    /// placed at their own priority without asking it (no decision set in force).
    uniform_slice: Option<u64>,
    /// The runnable threads by level, one set for every CPU: the next to run is taken from here.
    ready: ReadyQueues,
    /// Deadline misses and the decision-set guard.
    guard: Guard,
    /// True inside `run`: threads may be switched to.
    running: bool,
    /// Started threads that have not exited.
    live_threads: usize,
    /// CPUs to send a reschedule interrupt when the lock is let go (bit n: CPU n).
    kicks: u32,
    /// CPUs that run threads (`online`) and those of them with no thread (`idle`): bit n for
    /// CPU n, so that the common cases look at one word instead of every slot.
    online_mask: u32,
    idle_mask: u32,
    /// CPUs that have run threads of this kernel (bit n: CPU n), never cleared: with the
    /// caller's, the CPUs a thread may be pinned to (`kernel/affinity.rs`).
    present_mask: u32,
    /// Threads not ended whose CPU set is not every CPU: while there are none, picking a
    /// thread and offering it look at no thread's set. Changed through
    /// [`Scheduler::count_pinned`].
    pinned: usize,
    /// True when some CPU other than the lock holder runs threads (`online_mask` without the
    /// lock holder's bit), kept for the switch and the wake-up, which ask it every time:
    /// changed when a CPU goes online or offline and when the lock changes CPUs.
    others_online: bool,
    /// `pinned != 0 || others_online`: whether a pick looks at the thread it takes (its CPU
    /// set, or whether another CPU still has it), one test for the switch instead of two.
    picks_with_care: bool,
    /// The CPU in `run`, which returns when the threads are done (or deadlocked): it is told
    /// when the last thread exits or every CPU went idle, wherever that happened.
    main_cpu: usize,
    /// What each CPU is doing.
    pub(super) cpus: PerCpu<CpuSched>,
    /// Saved stack pointer of each CPU's idle context (the host thread inside `run`, a
    /// secondary's boot stack), and where each CPU's context that is abandoned (a thread
    /// restarting or exiting) saves its stack pointer: written by the switch after the lock is
    /// let go, so kept by CPU number, not in the slots (which trade places under the lock).
    idle_sp: [usize; MAX_CPUS],
    discard_sp: [usize; MAX_CPUS],
}

/// What one CPU is doing: its slot of [`Scheduler::cpus`], changed only under the lock (by its
/// own CPU, but for `resched`, which another CPU may set before it sends an interrupt).
pub(super) struct CpuSched {
    /// The thread on the CPU; `None` for the idle context or the host outside `run`.
    current: Option<Handle>,
    /// The run-queue level the policy placed `current` at (kept here: asked on every switch
    /// and every wake-up, it would otherwise cost an object-table lookup each time).
    current_level: Option<u8>,
    /// The domain of `current` (the kernel's for the idle context): asked by every system call
    /// that names an object, kept here for the same reason.
    current_domain: crate::domain::DomainId,
    /// Nesting depth of timer callbacks running now (they must not block or switch).
    callback_depth: u32,
    /// Depth of the embedder's own critical sections (`Kernel::hold`): no switch and no fate
    /// is carried out inside one.
    held: u32,
    /// A switch is due at the end of the current kernel call.
    resched: Option<Requeue>,
    /// When the running thread's time slice ends.
    slice_end_ns: u64,
    /// When the running thread's domain uses up its CPU budget (`None`: no budget). Each
    /// CPU's own: the threads running at the same time may be of different domains.
    budget_end_ns: Option<u64>,
    /// Stack of a thread that just exited, freed once we are off it.
    dead_stack: Option<Stack>,
    /// The next switch abandons the current context instead of saving it.
    abandon_current: bool,
    /// The thread this CPU switched away from last (several CPUs only): it stays on this CPU
    /// ([`Scheduler::on_a_cpu`]), so no other CPU resumes, ends or restarts it, until the next
    /// context, once off its stack, lets it go (`State::after_switch`).
    left: Option<Handle>,
    /// The address space this CPU runs in (`Arch::switch_space` is per CPU: each has its own
    /// translation registers).
    pub(super) active_space: usize,
}

impl CpuSched {
    fn new() -> CpuSched {
        CpuSched {
            current: None,
            current_level: None,
            current_domain: crate::domain::DomainId::KERNEL,
            callback_depth: 0,
            held: 0,
            resched: None,
            slice_end_ns: 0,
            budget_end_ns: None,
            dead_stack: None,
            abandon_current: false,
            left: None,
            active_space: 0,
        }
    }
}

impl Scheduler {
    pub(super) fn new(policy: Box<dyn Policy>) -> Scheduler {
        Scheduler {
            uniform_slice: policy.uniform_slice(),
            policy,
            ready: ReadyQueues::default(),
            guard: Guard::default(),
            running: false,
            live_threads: 0,
            kicks: 0,
            online_mask: 0,
            idle_mask: 0,
            present_mask: 0,
            pinned: 0,
            others_online: false,
            picks_with_care: false,
            main_cpu: 0,
            cpus: PerCpu::new(CpuSched::new),
            idle_sp: [0; MAX_CPUS],
            discard_sp: [0; MAX_CPUS],
        }
    }

    /// The thread on the CPU (`None`: idle, or the host outside `run`).
    #[inline]
    pub(super) fn current(&self) -> Option<Handle> {
        self.cpus.here().current
    }

    /// True when the thread `handle` is on a CPU: running there, or left by it and not yet let
    /// go by the context after it (`State::after_switch`), so its context may not be saved yet
    /// and no other CPU may resume, end or restart it. Read from the CPUs' slots (at most
    /// [`MAX_CPUS`] of them), not kept in the thread, so that a switch writes no flag there.
    /// With one CPU, a thread not running has its context saved: false.
    pub(super) fn on_a_cpu(&self, handle: Handle) -> bool {
        MAX_CPUS > 1 && self.cpus.iter().any(|(_, cpu)| cpu.current == Some(handle) || cpu.left == Some(handle))
    }

    /// The CPU whose current thread `handle` is (none with one CPU: the caller's is not asked).
    pub(super) fn cpu_running(&self, handle: Handle) -> Option<usize> {
        if MAX_CPUS == 1 {
            return None;
        }
        self.cpus.iter().find(|(_, slot)| slot.current == Some(handle)).map(|(cpu, _)| cpu)
    }

    /// The threads other CPUs than this one left and have not let go yet (their contexts may
    /// not be saved), one place per CPU.
    pub(super) fn left_by_others(&self) -> [Option<Handle>; MAX_CPUS] {
        let here = self.cpus.cpu();
        core::array::from_fn(|cpu| if cpu == here { None } else { self.cpus.get(cpu).and_then(|slot| slot.left) })
    }

    /// True when another CPU than this one left the thread `handle` and has not let it go yet.
    fn left_elsewhere(&self, handle: Handle) -> bool {
        let mut others = self.online_mask & !self.cpus.bit();
        while others != 0 {
            let cpu = others.trailing_zeros() as usize;
            others &= others - 1;
            if self.cpus.get(cpu).is_some_and(|slot| slot.left == Some(handle)) {
                return true;
            }
        }
        false
    }

    /// True inside `run`.
    #[inline]
    pub(super) fn running(&self) -> bool {
        self.running
    }

    /// The domain of the calling thread, while `run` runs threads.
    #[inline]
    pub(super) fn caller_domain(&self) -> Option<crate::domain::DomainId> {
        self.caller().map(|_| self.cpus.here().current_domain)
    }

    /// The calling thread: the current one while `run` runs threads.
    #[inline]
    pub(super) fn caller(&self) -> Option<Handle> {
        self.cpus.here().current.filter(|_| self.running)
    }

    /// The current context, when it is a thread that may block (not a timer callback).
    #[inline]
    pub(super) fn may_block(&self) -> Option<Handle> {
        match (self.running, self.cpus.here().callback_depth, self.cpus.here().current) {
            (true, 0, Some(current)) => Some(current),
            _ => None,
        }
    }

    /// `run` starts (`true`) or ends: the caller is the idle context, nothing is due.
    pub(super) fn set_running(&mut self, running: bool) {
        self.running = running;
        self.main_cpu = self.cpus.cpu();
        self.set_idle();
    }

    /// Several CPUs: wakes the CPU in `run` (when it is another) to look again whether it is
    /// done: the last thread exited, or every CPU went idle (a deadlock, unless a deadline
    /// comes). The caller marks the clock changed (see [`State::kick`]).
    fn tell_main(&mut self) {
        if MAX_CPUS > 1 && self.main_cpu != self.cpus.cpu() {
            self.kicks |= 1 << self.main_cpu;
        }
    }

    /// This CPU switches from its idle context to a thread (`true`) or back: with every CPU
    /// idle, the CPU in `run` looks whether it is done.
    fn set_busy(&mut self, busy: bool) {
        let bit = self.cpus.bit();
        if busy {
            self.idle_mask &= !bit;
        } else {
            self.idle_mask |= bit;
            if self.online_mask & !self.idle_mask == 0 {
                self.tell_main();
            }
        }
    }

    /// The caller is this CPU's idle context, nothing is due here.
    pub(super) fn set_idle(&mut self) {
        self.idle_mask |= self.cpus.bit();
        let cpu = self.cpus.here_mut();
        cpu.current = None;
        cpu.current_level = None;
        cpu.current_domain = crate::domain::DomainId::KERNEL;
        cpu.resched = None;
    }

    /// Sets whether another CPU than the lock holder runs threads.
    fn set_others_online(&mut self, others: bool) {
        self.others_online = others;
        self.picks_with_care = self.pinned != 0 || others;
    }

    /// Threads not ended whose CPU set is not every CPU.
    #[inline]
    pub(super) fn pinned(&self) -> usize {
        self.pinned
    }

    /// One more (`true`) or one fewer thread whose CPU set is not every CPU.
    pub(super) fn count_pinned(&mut self, more: bool) {
        if more {
            self.pinned += 1;
        } else {
            self.pinned -= 1;
        }
        self.picks_with_care = self.pinned != 0 || self.others_online;
    }

    /// True when this CPU runs threads (inside `run`, or joined).
    pub(super) fn is_online(&self) -> bool {
        self.online_mask & self.cpus.bit() != 0
    }

    /// The ready queues.
    #[inline]
    pub(super) fn ready(&self) -> &ReadyQueues {
        &self.ready
    }

    #[inline]
    pub(super) fn ready_mut(&mut self) -> &mut ReadyQueues {
        &mut self.ready
    }

    #[inline]
    pub(super) fn policy(&self) -> &dyn Policy {
        &*self.policy
    }

    /// Swaps in a decision set (the policy may refuse it).
    pub(super) fn load_set(&mut self, set: crate::sched::DecisionSet) -> crate::error::Result<()> {
        let loaded = self.policy.load_set(set);
        self.uniform_slice = self.policy.uniform_slice();
        loaded
    }

    /// Drops the decision set in force.
    pub(super) fn clear_set(&mut self) {
        self.policy.clear_set();
        self.uniform_slice = self.policy.uniform_slice();
    }

    /// Puts back the set before the last load; false when there was nothing to revert.
    pub(super) fn revert_set(&mut self) -> bool {
        let reverted = self.policy.revert_set();
        self.uniform_slice = self.policy.uniform_slice();
        reverted
    }

    #[inline]
    pub(super) fn guard(&self) -> &Guard {
        &self.guard
    }

    #[inline]
    pub(super) fn guard_mut(&mut self) -> &mut Guard {
        &mut self.guard
    }

    /// Enters (`true`) or leaves an embedder's section (`Kernel::hold`), nestable.
    pub(super) fn hold(&mut self, start: bool) {
        let held = &mut self.cpus.here_mut().held;
        *held = if start { *held + 1 } else { held.saturating_sub(1) };
    }

    /// True inside an embedder's section: no switch, no fate.
    #[inline]
    pub(super) fn held(&self) -> bool {
        self.cpus.here().held > 0
    }

    /// A timer callback starts (`true`) or returned.
    #[inline]
    pub(super) fn in_callback(&mut self, entering: bool) {
        if entering {
            self.cpus.here_mut().callback_depth += 1;
        } else {
            self.cpus.here_mut().callback_depth -= 1;
        }
    }

    /// True while a timer callback runs.
    #[inline]
    pub(super) fn callback_running(&self) -> bool {
        self.cpus.here().callback_depth > 0
    }

    /// When the running thread's time slice ends.
    #[inline]
    pub(super) fn slice_end_ns(&self) -> u64 {
        self.cpus.here().slice_end_ns
    }

    /// When the running thread's domain runs out of budget on this CPU (`None`: no budget;
    /// always without feature `budgets`).
    #[inline]
    pub(super) fn budget_end(&self) -> Option<u64> {
        if cfg!(feature = "budgets") {
            self.cpus.here().budget_end_ns
        } else {
            None
        }
    }

    #[inline]
    pub(super) fn set_budget_end(&mut self, end: Option<u64>) {
        self.cpus.here_mut().budget_end_ns = end;
    }

    /// The switch due at the end of this kernel call, if any.
    #[inline]
    pub(super) fn resched(&self) -> Option<Requeue> {
        self.cpus.here().resched
    }

    /// A thread was started: one more to run before `run` may return.
    #[inline]
    pub(super) fn thread_started(&mut self) {
        self.live_threads += 1;
    }

    /// A started thread exited.
    #[inline]
    pub(super) fn thread_ended(&mut self) {
        self.live_threads -= 1;
        if MAX_CPUS > 1 && self.live_threads == 0 {
            self.tell_main();
        }
    }

    /// Started threads that have not exited.
    #[inline]
    pub(super) fn live_threads(&self) -> usize {
        self.live_threads
    }

    /// The stack of the thread that exited last, to free once nobody runs on it.
    pub(super) fn set_dead_stack(&mut self, stack: Option<Stack>) {
        self.cpus.here_mut().dead_stack = stack;
    }

    /// Frees the dead thread's stack (the context resumed after it does, once off it). Looks
    /// before it writes: moving the `Option` out would copy it on every switch.
    #[inline]
    pub(super) fn free_dead_stack(&mut self) {
        if self.cpus.here_mut().dead_stack.is_some() {
            self.cpus.here_mut().dead_stack = None;
        }
    }

    /// The next switch abandons the current context (a thread restarting on a new stack).
    pub(super) fn abandon_current(&mut self) {
        self.cpus.here_mut().abandon_current = true;
    }
}

impl State {
    /// Run-queue level of the current thread (where the policy placed it), `None` for idle.
    #[inline]
    pub(super) fn current_level(&self) -> Option<u8> {
        self.sched.cpus.here().current_level
    }

    /// Thread `handle`, at run-queue `level`, became runnable: ask for a switch if it beats
    /// the current one (with several CPUs: of the CPU of its set best placed to run it).
    pub fn note_ready(&mut self, handle: Handle, level: u8) {
        self.clock.mark_dirty();
        // Several CPUs, another of them running threads: which one takes it is a search (among
        // the CPUs of its set). With this CPU alone, it is the one-CPU rule below.
        if MAX_CPUS > 1 && self.sched.others_online {
            let cpus = self.cpus_of(handle);
            self.offer(level, cpus);
            return;
        }
        let running = self.sched.running;
        let cpu = self.sched.cpus.here_mut();
        match cpu.current_level {
            None if running => cpu.resched = Some(Requeue::Back),
            Some(current) if level > current => cpu.resched = Some(Requeue::Front),
            _ => {}
        }
    }

    /// Several CPUs: a thread at `level` that may run on `cpus` (bit n: CPU n) waits in the
    /// ready queues. The CPU of `cpus` to take it is an idle one (this one first), else the one
    /// running the lowest level below it; it gets a switch due, and another CPU is sent a
    /// reschedule interrupt (once the lock is let go, [`State::reprogram_timer`]). A CPU with a
    /// switch already due is passed over: it picks from the same queue anyway.
    #[inline(never)]
    pub(super) fn offer(&mut self, level: u8, cpus: u32) {
        if !self.sched.running {
            return;
        }
        let here = self.sched.cpus.cpu();
        let online = self.sched.online_mask & cpus;
        let idle = self.sched.idle_mask & online;
        let free = |sched: &Scheduler, cpu: usize| sched.cpus.get(cpu).is_some_and(|slot| slot.resched.is_none());
        // An idle CPU with nothing due: this one first, then the lowest numbered.
        let mut chosen = None;
        if idle & 1 << here != 0 && free(&self.sched, here) {
            chosen = Some((here, Requeue::Back));
        }
        let mut others = idle & !(1 << here);
        while chosen.is_none() && others != 0 {
            let cpu = others.trailing_zeros() as usize;
            others &= others - 1;
            if free(&self.sched, cpu) {
                chosen = Some((cpu, Requeue::Back));
            }
        }
        // Else the busy CPU running the lowest level below `level` (this one on a tie).
        if chosen.is_none() {
            let mut lowest: Option<(usize, u8)> = None;
            let mut busy = online & !idle;
            while busy != 0 {
                let cpu = busy.trailing_zeros() as usize;
                busy &= busy - 1;
                let Some(slot) = self.sched.cpus.get(cpu).filter(|slot| slot.resched.is_none()) else { continue };
                let Some(current) = slot.current_level.filter(|&current| current < level) else { continue };
                if lowest.is_none_or(|(_, theirs)| current < theirs || (current == theirs && cpu == here)) {
                    lowest = Some((cpu, current));
                }
            }
            chosen = lowest.map(|(cpu, _)| (cpu, Requeue::Front));
        }
        let Some((cpu, requeue)) = chosen else { return };
        if let Some(slot) = self.sched.cpus.of_mut(cpu) {
            slot.resched = Some(requeue);
        }
        if cpu != here {
            self.kick(cpu);
        }
    }

    /// CPU `cpu` is to be sent a reschedule interrupt when the lock is let go. The clock is
    /// marked changed too: the kicks are sent where the timer is re-armed
    /// ([`State::reprogram_timer`]), so that a kernel call with neither looks at one flag.
    pub(super) fn kick(&mut self, cpu: usize) {
        self.sched.kicks |= 1 << cpu;
        self.clock.mark_dirty();
    }

    /// True when reschedule interrupts wait to be sent.
    #[inline(always)]
    pub(super) fn has_kicks(&self) -> bool {
        self.sched.kicks != 0
    }

    /// The CPUs to send a reschedule interrupt, taken once (bit n: CPU n).
    #[inline]
    pub(super) fn take_kicks(&mut self) -> u32 {
        if MAX_CPUS == 1 {
            return 0;
        }
        core::mem::take(&mut self.sched.kicks)
    }

    /// This CPU joins (`true`) or leaves the CPUs that run threads.
    pub(super) fn set_online(&mut self, online: bool) {
        let bit = self.sched.cpus.bit();
        if online {
            self.sched.online_mask |= bit;
            self.sched.present_mask |= bit;
        } else {
            self.sched.online_mask &= !bit;
        }
        let others = self.sched.online_mask & !bit != 0;
        self.sched.set_others_online(others);
    }

    /// The kernel's lock was taken on CPU `cpu`: its slots are the ones reached from now on.
    /// Panics for a CPU past the kernel's count. The common case, the same CPU as the last
    /// lock holder (always, on one CPU), is one comparison.
    #[inline(always)]
    pub(super) fn set_cpu(&mut self, cpu: usize) {
        // The clock's slots and the scheduler's always move together.
        if !self.sched.cpus.is_at(cpu) {
            self.move_to_cpu(cpu);
        }
    }

    /// [`State::set_cpu`] when the lock changed CPUs.
    #[inline(never)]
    fn move_to_cpu(&mut self, cpu: usize) {
        let moved = self.clock.cpus.set_cpu(cpu) && self.sched.cpus.set_cpu(cpu);
        assert!(moved, "wells: CPU {cpu} is past the kernel's {MAX_CPUS} CPUs");
        let others = self.sched.online_mask & !self.sched.cpus.bit() != 0;
        self.sched.set_others_online(others);
    }

    /// The CPUs a thread may be pinned to: those that have run threads, and this one.
    pub(super) fn present_cpus(&self) -> u32 {
        self.sched.present_mask | 1 << self.sched.cpus.cpu()
    }

    /// Thread `handle` may no longer run on the CPU that runs it (its set changed): that
    /// CPU gets a switch due, and an interrupt when it is another.
    pub(super) fn move_off(&mut self, handle: Handle, cpus: u32) {
        let here = self.sched.cpus.cpu();
        for cpu in (0..MAX_CPUS).filter(|&cpu| cpus & 1 << cpu == 0) {
            if let Some(slot) = self.sched.cpus.of_mut(cpu).filter(|slot| slot.current == Some(handle)) {
                slot.resched = Some(Requeue::Front);
                if cpu != here {
                    self.sched.kicks |= 1 << cpu;
                }
            }
        }
    }

    /// `run` started: every other CPU that joined, idle until now, looks at the ready queues.
    pub(super) fn wake_other_cpus(&mut self) {
        if MAX_CPUS == 1 {
            return;
        }
        let here = self.sched.cpus.cpu();
        let online = self.sched.online_mask;
        for cpu in 0..MAX_CPUS {
            if let Some(slot) = self.sched.cpus.of_mut(cpu).filter(|_| cpu != here && online & 1 << cpu != 0) {
                slot.resched = Some(Requeue::Back);
                self.kick(cpu);
            }
        }
    }

    /// True when some CPU other than this one runs a thread.
    pub(super) fn others_busy(&self) -> bool {
        let sched = &self.sched;
        sched.online_mask & !sched.idle_mask & !sched.cpus.bit() != 0
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

    /// Where the policy places `thread`: at its own priority without asking while the policy
    /// places every thread so (no decision set in force), else from its description.
    #[inline]
    fn place(sched: &Scheduler, thread: &crate::thread::Thread, handle: Handle, now_ns: u64, awaited: bool) -> crate::sched::Placement {
        match sched.uniform_slice {
            Some(slice_ns) => crate::sched::Placement { level: thread.priority, slice_ns, ..Default::default() },
            None => sched.policy.place(&Self::runnable(thread, handle, now_ns, awaited)),
        }
    }

    /// Makes a thread runnable: the policy places it, it is queued there. `released` when it
    /// starts or wakes (a new release: its deadline restarts), not when it is preempted.
    /// Returns its level, or `None` when the policy deferred it: it then sleeps on the
    /// timeline and is queued, once, when the deferral ends.
    pub fn make_runnable(&mut self, handle: Handle, at: Requeue, released: bool) -> Option<u8> {
        let now = self.clock.now();
        let mut thread = thread_in(&mut self.objects, handle)?;
        // Only a policy that is asked sees it, and only a member of a transaction can be awaited:
        // the others skip the search.
        let awaited = self.sched.uniform_slice.is_none() && !thread.transactions.is_empty() && {
            let awaited = self.awaited_by_partners(handle);
            thread = thread_in(&mut self.objects, handle)?;
            awaited
        };
        let deferral_ended = core::mem::take(&mut thread.deferred);
        thread.roll_cpu_share(now);
        if released && !deferral_ended {
            thread.start_release(now);
        }
        let placement = Self::place(&self.sched, thread, handle, now, awaited);
        if released && !deferral_ended && placement.defer_ns > 0 {
            thread.deferred = true;
            thread.state = ThreadState::Sleeping;
            thread.timeout_key = Some(self.clock.insert(now.saturating_add(placement.defer_ns), Wakeup::Thread(handle)));
            return None;
        }
        thread.placement = placement;
        thread.state = ThreadState::Ready;
        thread.ready_since_ns = now;
        self.sched.ready.enqueue(handle, placement.level, at);
        if placement.gang {
            self.gang_up(handle, placement.level);
        }
        if placement.abort_conflicting {
            self.abort_conflicting_with(handle);
        }
        if released {
            self.telemetry.record(now, EventKind::Wake, Some(handle), placement.level as u64);
        }
        self.telemetry.record_pick(now, handle, placement.rule);
        Some(placement.level)
    }

    /// Places the thread `handle` on its CPU again (its priority changed while it runs): a
    /// switch is due there when a queued thread now beats it. Several CPUs: the CPU may be
    /// another, which then gets the switch due and a reschedule interrupt, and its level is
    /// what `offer` compares from now on.
    pub(super) fn replace_running(&mut self, handle: Handle) {
        let now = self.clock.now();
        let awaited = self.sched.uniform_slice.is_none() && self.awaited_by_partners(handle);
        let Some(thread) = thread_in(&mut self.objects, handle) else { return };
        thread.placement = Self::place(&self.sched, thread, handle, now, awaited);
        let level = thread.placement.level;
        let here = self.sched.cpus.cpu();
        let cpu = self.sched.cpu_running(handle).unwrap_or(here);
        let beaten = self.sched.ready.top_level() > Some(level);
        let Some(slot) = self.sched.cpus.of_mut(cpu) else { return };
        if slot.current == Some(handle) {
            slot.current_level = Some(level);
        }
        if beaten {
            slot.resched = Some(Requeue::Front);
            if cpu != here {
                self.kick(cpu);
            }
        }
    }

    /// Several CPUs: `handle` runs on CPU `cpu`, another one, and is suspended. It is marked
    /// (`suspend_pending`, which [`State::schedule`] turns into `Suspended` instead of queueing
    /// it) and that CPU gets a switch due and a reschedule interrupt; a thread that blocks
    /// first finishes its wait, as one suspended while blocked does.
    pub(super) fn suspend_elsewhere(&mut self, handle: Handle, cpu: usize) {
        let Ok(thread) = self.thread_mut(handle) else { return };
        thread.suspend_pending = true;
        if let Some(slot) = self.sched.cpus.of_mut(cpu) {
            slot.resched = Some(Requeue::Back);
        }
        self.kick(cpu);
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
                if self.sched.ready.remove(partner, queued) {
                    self.sched.ready.enqueue(partner, level, Requeue::Back);
                }
            }
        }
    }

    /// Decides what runs next on this CPU. The current thread, if still running, goes back to
    /// the policy (`requeue` says where). Returns the switch to make, `None` when the current
    /// context stays. Panics only on a broken kernel invariant or a smashed stack canary.
    pub fn schedule(&mut self, now_ns: u64, requeue: Requeue) -> Option<Switch> {
        if !self.sched.running {
            return None;
        }
        // Each thread is looked up once; `objects` and the scheduler are borrowed apart.
        self.clock.set_now(now_ns);
        let sched = &mut self.sched;
        let cpu = sched.cpus.here_mut();
        let previous = cpu.current;
        let mut save: Option<*mut usize> = None;
        let mut charge = None;
        if let Some(handle) = previous {
            let thread = thread_in(&mut self.objects, handle).expect("wells: current thread vanished");
            let ran = now_ns.saturating_sub(thread.last_start_ns);
            charge = Some((thread.exec.domain, ran));
            thread.run_time_ns += ran;
            thread.share_window_run_ns += ran;
            thread.stopped_at_ns = now_ns;
            if let Some(stack) = &thread.stack {
                if stack.bottom_word() != STACK_CANARY {
                    thread.stack_overflowed();
                }
            }
            if MAX_CPUS > 1 && thread.suspend_pending && thread.state == ThreadState::Running {
                // Suspended from another CPU while it ran here (`State::suspend_elsewhere`).
                thread.suspend_pending = false;
                thread.state = ThreadState::Suspended;
            } else if thread.state == ThreadState::Running {
                thread.state = ThreadState::Ready;
                thread.ready_since_ns = now_ns;
                // Preempted: it keeps the rest of its slice; yielding or out of slice: a new one.
                thread.slice_left_ns = match requeue {
                    Requeue::Front => cpu.slice_end_ns.saturating_sub(now_ns),
                    Requeue::Back => 0,
                };
                // Preempted or yielding: same release, so the placement it has stands.
                sched.ready.enqueue(handle, thread.placement.level, requeue);
            }
            if !core::mem::take(&mut cpu.abandon_current) {
                save = Some(&mut thread.saved_sp);
            }
        }
        let budgets = self.domains.any_budgeted();
        if let (Some((domain, ran)), true) = (charge, budgets) {
            self.charge_budget(domain, ran, now_ns);
        }
        self.sched.cpus.here_mut().resched = None;
        let next = self.pick(previous, budgets);
        self.sched.set_budget_end(None);
        let (resume, domain, level) = match next {
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
                self.sched.cpus.here_mut().slice_end_ns = now_ns.saturating_add(slice);
                let domain = thread.exec.domain;
                if budgets {
                    let end = self.domains.budget_left(domain, now_ns).map(|left| now_ns.saturating_add(left));
                    self.sched.set_budget_end(end);
                }
                (thread.saved_sp, domain, Some(thread.placement.level))
            }
            None => (self.sched.idle_sp[self.sched.cpus.cpu()], crate::domain::DomainId::KERNEL, None),
        };
        let cpu = self.sched.cpus.here_mut();
        cpu.current_level = level;
        cpu.current_domain = domain;
        let slice_end = cpu.slice_end_ns;
        // The timer is re-armed only to move it earlier: a slice ending after what it is armed
        // for (the common case, the previous slice's end) needs no new arming.
        if budgets || next.is_none() || self.clock.armed_later_than(slice_end) {
            self.clock.mark_dirty();
        }
        if next == previous {
            return None;
        }
        let cpu = self.sched.cpus.here_mut();
        cpu.current = next;
        if MAX_CPUS > 1 {
            cpu.left = previous;
            // From one thread to another, this CPU stays busy.
            if previous.is_none() || next.is_none() {
                self.sched.set_busy(next.is_some());
            }
        }
        let space = self.domains.enter_space_of(domain, &mut self.sched.cpus.here_mut().active_space);
        // The idle context, or one abandoned, saves its stack pointer in this CPU's slot.
        let here = self.sched.cpus.cpu();
        let save = match (save, previous) {
            (Some(save), _) => save,
            (None, Some(_)) => &mut self.sched.discard_sp[here],
            (None, None) => &mut self.sched.idle_sp[here],
        };
        Some(Switch { save, resume, space })
    }

    /// Takes the next thread to run here off the ready queues: not one a throttled domain owns,
    /// and (several CPUs) not one still on another CPU, whose context is not saved yet; those
    /// go back to the front of their level, where they were.
    #[inline]
    fn pick(&mut self, previous: Option<Handle>, budgets: bool) -> Option<Handle> {
        if MAX_CPUS > 1 && self.sched.picks_with_care {
            return self.pick_with_care(previous, budgets);
        }
        // Without budgets nothing is passed over: no loop to set up.
        if !budgets {
            return self.sched.ready.pick_next();
        }
        loop {
            match self.sched.ready.pick_next() {
                Some(handle) if self.park_if_throttled(handle) => continue,
                picked => return picked,
            }
        }
    }

    /// [`State::pick`] when the thread taken is looked at: threads pinned to some CPUs only
    /// (`kernel/affinity.rs`), or another CPU online, which may have left a thread still in
    /// flight (with no other CPU online, none is).
    #[inline(never)]
    fn pick_with_care(&mut self, previous: Option<Handle>, budgets: bool) -> Option<Handle> {
        if self.sched.pinned != 0 {
            return self.pick_allowed(previous, budgets);
        }
        self.pick_past_in_flight(previous, budgets)
    }

    /// [`State::pick`] while other CPUs run threads: one may have left a thread it has not
    /// saved yet.
    #[inline(never)]
    fn pick_past_in_flight(&mut self, previous: Option<Handle>, budgets: bool) -> Option<Handle> {
        let mut in_flight: [Option<(Handle, u8)>; MAX_CPUS] = [None; MAX_CPUS];
        let mut skipped = 0;
        let next = loop {
            match self.sched.ready.pick_next() {
                Some(handle) if budgets && self.park_if_throttled(handle) => continue,
                Some(handle) if Some(handle) != previous && self.sched.left_elsewhere(handle) => match thread_in(&mut self.objects, handle) {
                    Some(thread) => {
                        let level = thread.placement.level;
                        // At most one in flight per other CPU; past that, something broke:
                        // nothing is picked rather than a context that may not be saved.
                        let Some(slot) = in_flight.get_mut(skipped) else {
                            self.sched.ready.enqueue(handle, level, Requeue::Front);
                            break None;
                        };
                        *slot = Some((handle, level));
                        skipped += 1;
                    }
                    _ => break Some(handle),
                },
                picked => break picked,
            }
        };
        for &(handle, level) in in_flight[..skipped].iter().rev().flatten() {
            self.sched.ready.enqueue(handle, level, Requeue::Front);
        }
        next
    }

    /// First thing a context does when it is resumed: free the stack of a thread that exited
    /// here, and let other CPUs run the thread this CPU left, now that its context is saved.
    #[inline]
    pub(super) fn after_switch(&mut self) {
        self.sched.free_dead_stack();
        if MAX_CPUS == 1 {
            return;
        }
        // With no other CPU online, none can want the thread this CPU left, nor have given it a
        // fate: the common case on one CPU costs one test.
        if !self.sched.others_online {
            self.sched.cpus.here_mut().left = None;
            return;
        }
        let Some(left) = self.sched.cpus.here_mut().left.take() else { return };
        // A fate another CPU gave it while it was still here (`State::fate_elsewhere`): this
        // CPU sends itself the interrupt, whose kernel exit carries the fate out now that the
        // context is saved; it is not offered meanwhile.
        if self.has_fates() && self.thread(left).is_ok_and(|t| t.pending_fate.is_some()) {
            self.kick(self.sched.cpus.cpu());
            return;
        }
        self.offer_left(left);
        self.tell_main_if_all_idle();
    }

    /// Several CPUs: whether a CPU other than this one left a thread it has not let go yet
    /// (its `left`, until its next context runs `after_switch`): that thread may still be
    /// offered, woken for its watchers or given its fate, so the CPU in `run` does not call
    /// every CPU idle a deadlock meanwhile.
    pub(super) fn others_in_flight(&self) -> bool {
        let here = self.sched.cpus.cpu();
        self.sched.cpus.iter().any(|(cpu, slot)| cpu != here && slot.left.is_some())
    }

    /// Several CPUs: every CPU running threads is idle, and this one just settled what the CPU
    /// in `run` passed over when it last looked (a thread in flight, a fate waiting): that CPU
    /// looks again whether it is done.
    pub(super) fn tell_main_if_all_idle(&mut self) {
        if MAX_CPUS > 1 && self.sched.online_mask & !self.sched.idle_mask == 0 {
            self.sched.tell_main();
            self.clock.mark_dirty();
        }
    }

    /// [`State::after_switch`] for a context handed the lock by the switch back to it: that
    /// switch was made with no other CPU running threads, and none can have joined since (the
    /// lock was held throughout), so none wants the thread this CPU left.
    #[inline(always)]
    pub(super) fn after_switch_handed(&mut self) {
        self.sched.free_dead_stack();
        if MAX_CPUS > 1 {
            self.sched.cpus.here_mut().left = None;
        }
    }

    /// [`State::after_switch`] with other CPUs online: the thread this CPU let go, if it is
    /// ready, was passed over while it was in flight: a CPU may be idle for want of it, this
    /// one too. Given it, this CPU sends itself the interrupt as well: this context may be an
    /// idle one resumed inside an interrupt taken just before its wait for the next (the wait
    /// then ends at once), or a thread that returns from the kernel without looking at
    /// `resched` again. Threads on other CPUs waiting for it to leave this one are woken
    /// (`Kernel::wait_elsewhere`).
    #[inline(never)]
    fn offer_left(&mut self, left: Handle) {
        let Some(mut thread) = thread_in(&mut self.objects, left) else { return };
        if thread.watched {
            self.wake_watchers(left);
            let Some(again) = thread_in(&mut self.objects, left) else { return };
            thread = again;
        }
        if thread.state != ThreadState::Ready {
            return;
        }
        let (level, cpus) = (thread.placement.level, thread.cpus);
        self.offer(level, cpus);
        if self.sched.cpus.here().resched.is_some() {
            self.kick(self.sched.cpus.cpu());
        }
    }

    /// The current release of `handle` ends at `now_ns` (it blocks, sleeps or exits): a late
    /// end is a deadline miss, which the guard judges.
    pub fn end_release(&mut self, handle: Handle, now_ns: u64) {
        if !cfg!(feature = "deadlines") {
            return;
        }
        let Some(thread) = thread_in(&mut self.objects, handle) else { return };
        let Some(deadline) = thread.deadline_at.take() else { return };
        if now_ns <= deadline {
            return;
        }
        thread.deadline_misses += 1;
        self.telemetry.record(now_ns, EventKind::DeadlineMiss, Some(handle), now_ns - deadline);
        if let Some(revert) = self.sched.guard.note_miss(now_ns) {
            if self.sched.revert_set() {
                self.telemetry.record(now_ns, EventKind::SetReverted, None, revert.misses as u64);
            }
        }
    }

    /// The wait-bound guard: a runnable thread that has waited longer than the bound is put
    /// back where the classic policy would have it (its own priority, at the front), undoing a
    /// decision set that parked it lower. Bounded: one look at the longest waiter of each level.
    pub fn enforce_wait_bound(&mut self, now_ns: u64) {
        let bound = self.sched.guard.wait_bound_ns;
        let Some(queued_top) = self.sched.ready.top_level() else { return };
        if bound == 0 {
            return;
        }
        // The top is the running thread's level if it is higher than any queued one.
        let top = queued_top.max(self.current_level().unwrap_or(0));
        for level in 0..top {
            let Some(handle) = self.sched.ready.head(level) else { continue };
            let Some(thread) = thread_in(&mut self.objects, handle) else { continue };
            let classic = thread.priority;
            if classic <= level || now_ns.saturating_sub(thread.ready_since_ns) <= bound {
                continue;
            }
            self.sched.ready.remove(handle, level);
            thread.placement.level = classic;
            self.sched.ready.enqueue(handle, classic, Requeue::Front);
            self.note_ready(handle, classic);
        }
    }

    /// The time slice of the current thread ended: let its peers run.
    pub fn slice_check(&mut self, now_ns: u64) {
        self.clock.set_now(now_ns);
        // Its domain's budget for the period is used up: off the CPU (`schedule` throttles).
        if self.sched.budget_end().is_some_and(|end| now_ns >= end) {
            self.sched.cpus.here_mut().resched = Some(Requeue::Back);
            return;
        }
        let Some(current) = self.sched.cpus.here_mut().current else { return };
        let Some((level, slice)) = self.thread(current).ok().map(|t| (t.placement.level, t.placement.slice_ns)) else { return };
        if now_ns < self.sched.cpus.here_mut().slice_end_ns {
            return;
        }
        if self.sched.ready.top_level() >= Some(level) {
            self.sched.cpus.here_mut().resched = Some(Requeue::Back);
        } else {
            self.sched.cpus.here_mut().slice_end_ns = now_ns.saturating_add(slice);
            self.clock.mark_dirty();
        }
    }

    /// Takes a ready thread out of the run queues (it leaves the Ready state).
    pub(super) fn dequeue(&mut self, handle: Handle, level: u8) {
        self.sched.ready.remove(handle, level);
    }
}
