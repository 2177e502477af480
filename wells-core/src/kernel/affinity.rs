//! Thread affinity: the CPUs a thread may run on (its CPU set, bit n for CPU n; every CPU of
//! the kernel unless set). `schedule` passes over a queued thread whose set leaves out its CPU,
//! `offer` looks only at the CPUs of the thread's set, and a running thread whose new set
//! leaves out its CPU is moved off it. While no thread has a set of its own (`pinned` is 0),
//! picking and offering look at no thread's set: the pick stays the O(1) one. With one CPU
//! ([`MAX_CPUS`] = 1) the only valid set is CPU 0's bit, and nothing here runs on a switch.

use super::objects::Object;
use super::percpu::{ALL_CPUS, MAX_CPUS};
use super::state::State;
use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::thread::ThreadState;

impl<A: Arch> Kernel<A> {
    /// Pins `thread` to the CPUs of `cpus` (bit n: CPU n). A running thread whose CPU is not
    /// in the set leaves it at once (the CPU is sent a reschedule interrupt when it is
    /// another, and a caller that may block returns once that CPU let it go). `InvalidArgument` for an empty set, a bit at or past [`MAX_CPUS`], or a set
    /// naming no CPU that runs this kernel ([`Kernel::present_cpus`]); `BadState` for a thread
    /// that exited.
    pub fn thread_set_affinity(&self, thread: Handle, cpus: u32) -> Result<()> {
        let mut cs = self.critical();
        cs.set_affinity(thread, cpus)?;
        // Running on another CPU now outside its set: that CPU takes it off, kicked; a caller
        // that may block returns once it did (`Kernel::wait_elsewhere`).
        let outside = |state: &State| state.sched.cpu_running(thread).is_some_and(|cpu| cpus & 1 << cpu == 0 && cpu != state.sched.cpus.cpu());
        if MAX_CPUS > 1 && outside(&cs) {
            drop(cs);
            self.wait_elsewhere(thread, |state, _| !outside(state));
        }
        Ok(())
    }

    /// The CPU set of `thread` (bit n: CPU n).
    pub fn thread_affinity(&self, thread: Handle) -> Result<u32> {
        Ok(self.critical().thread(thread)?.cpus)
    }

    /// The CPUs a thread may be pinned to now (bit n: CPU n): those that have run this kernel's
    /// threads (the one in `run`, each that joined with `run_secondary`) and the caller's.
    /// Always 1 with one CPU.
    pub fn present_cpus(&self) -> u32 {
        self.critical().present_cpus()
    }
}

impl State {
    /// [`Kernel::thread_set_affinity`] under the lock: checks everything first, then changes
    /// the set and moves the thread where the set says.
    pub(super) fn set_affinity(&mut self, handle: Handle, cpus: u32) -> Result<()> {
        if cpus == 0 || cpus & !ALL_CPUS != 0 || cpus & self.present_cpus() == 0 {
            return Err(Error::InvalidArgument);
        }
        let thread = self.thread_mut(handle)?;
        if thread.state == ThreadState::Exited {
            return Err(Error::BadState);
        }
        let old = core::mem::replace(&mut thread.cpus, cpus);
        let (state, level) = (thread.state, thread.placement.level);
        let on_cpu = self.sched.on_a_cpu(handle);
        match (old == ALL_CPUS, cpus == ALL_CPUS) {
            (true, false) => self.sched.count_pinned(true),
            (false, true) => self.sched.count_pinned(false),
            _ => {}
        }
        if MAX_CPUS == 1 {
            return Ok(());
        }
        match state {
            ThreadState::Running => self.move_off(handle, cpus),
            // Queued: a CPU of its new set may be idle for want of it. One still on a CPU is
            // offered by that CPU once it is off it (`after_switch`).
            ThreadState::Ready if !on_cpu => self.offer(level, cpus),
            _ => {}
        }
        Ok(())
    }

    /// The CPU set of `handle`, looked up only while some thread has a set of its own.
    #[inline]
    pub(super) fn cpus_of(&self, handle: Handle) -> u32 {
        if self.sched.pinned() == 0 {
            return ALL_CPUS;
        }
        self.thread(handle).map_or(ALL_CPUS, |thread| thread.cpus)
    }

    /// `State::pick` while some thread has a set of its own: the longest waiter of the
    /// highest level among the queued threads that may run on this CPU and are on no other
    /// CPU (a context another CPU left may not be saved yet); the others keep their places.
    /// Walks the queues: every queued thread at worst.
    #[inline(never)]
    pub(super) fn pick_allowed(&mut self, previous: Option<Handle>, budgets: bool) -> Option<Handle> {
        let here = 1 << self.sched.cpus.cpu();
        let left = self.sched.left_by_others();
        loop {
            let objects = &self.objects;
            let may_run = |handle: Handle| match objects.get(handle, Kind::Thread) {
                Ok(Object::Thread(thread)) => thread.cpus & here != 0 && (!left.contains(&Some(handle)) || Some(handle) == previous),
                _ => false,
            };
            match self.sched.ready_mut().take_first(may_run) {
                Some(handle) if budgets && self.park_if_throttled(handle) => continue,
                picked => return picked,
            }
        }
    }
}

/// The scheduler's side on several CPUs, played on one host thread: the lock holder's CPU is
/// set by hand (`State::set_cpu`), and each "switch" is the decision `schedule` returns
/// followed by the next context's `after_switch`.
#[cfg(all(test, feature = "smp"))]
pub(super) mod tests {
    use super::*;
    use crate::domain::{DomainId, Exec, ExecKind};
    use crate::mem::Stack;
    use crate::sched::{ClassicPolicy, Requeue};
    use crate::thread::{Thread, STACK_CANARY};
    use alloc::boxed::Box;

    /// CPUs 0..4 run threads; `run` was entered on CPU 0.
    pub(in crate::kernel) fn four_cpus() -> State {
        let mut state = State::new(Box::new(ClassicPolicy::default()));
        for cpu in (0..4).rev() {
            state.set_cpu(cpu);
            state.sched.set_idle();
            state.set_online(true);
        }
        state.sched.set_running(true);
        state
    }

    pub(in crate::kernel) fn thread(state: &mut State, name: &str) -> Handle {
        let mut stack = Stack::new(4096, None, 16).unwrap();
        stack.as_mut_slice()[..8].copy_from_slice(&STACK_CANARY.to_ne_bytes());
        let exec = Exec { domain: DomainId::KERNEL, kind: ExecKind::Thread };
        let thread = Box::new(Thread::new(name, 10, exec, stack, Box::new(|| 0)));
        state.insert_object(Object::Thread(thread)).unwrap()
    }

    pub(in crate::kernel) fn start(state: &mut State, handle: Handle) {
        state.sched.thread_started();
        let level = state.make_runnable(handle, Requeue::Back, true).unwrap();
        state.note_ready(handle, level);
    }

    /// CPU `cpu` takes the lock and reschedules: what it runs afterwards.
    pub(in crate::kernel) fn reschedule(state: &mut State, cpu: usize) -> Option<Handle> {
        state.set_cpu(cpu);
        state.schedule(0, Requeue::Front);
        state.after_switch();
        state.sched.current()
    }

    #[test]
    fn pinned_threads_run_only_on_their_cpus_and_move_when_repinned() {
        let mut state = four_cpus();
        let (a, b, c) = (thread(&mut state, "a"), thread(&mut state, "b"), thread(&mut state, "c"));
        state.set_cpu(0);
        assert_eq!(state.present_cpus(), 0b1111);
        assert_eq!(state.set_affinity(a, 1 << 2), Ok(()));
        assert_eq!(state.set_affinity(b, 1 << 3), Ok(()));
        assert_eq!(state.sched.pinned(), 2);
        // Offered only to a CPU of its set: CPU 2 for `a`, CPU 3 for `b` (all four are idle).
        start(&mut state, a);
        assert_eq!(state.take_kicks(), 1 << 2);
        start(&mut state, b);
        assert_eq!(state.take_kicks(), 1 << 3);
        start(&mut state, c);
        // CPUs 0 and 1 pass over `a` and `b`, queued first: CPU 0 takes `c`, CPU 1 nothing.
        assert_eq!(reschedule(&mut state, 0), Some(c));
        assert_eq!(reschedule(&mut state, 1), None);
        assert_eq!(reschedule(&mut state, 2), Some(a));
        assert_eq!(reschedule(&mut state, 3), Some(b));
        state.take_kicks();

        // `a`, running on CPU 2, is pinned to CPU 1 from CPU 0: CPU 2 is told to switch.
        state.set_cpu(0);
        assert_eq!(state.set_affinity(a, 1 << 1), Ok(()));
        assert_eq!(state.take_kicks(), 1 << 2);
        // CPU 2 leaves it (nothing else may run there) and, off its stack, offers it to CPU 1.
        assert_eq!(reschedule(&mut state, 2), None);
        assert_eq!(state.take_kicks(), 1 << 1);
        assert_eq!(reschedule(&mut state, 1), Some(a));

        // The caller pins itself away: its own CPU switches, no interrupt needed.
        state.set_cpu(0);
        assert_eq!(state.set_affinity(c, 1 << 2), Ok(()));
        assert_eq!(state.sched.resched(), Some(Requeue::Front));
        assert_eq!(reschedule(&mut state, 0), None);
        assert_eq!(state.take_kicks(), 1 << 2);
        assert_eq!(reschedule(&mut state, 2), Some(c));

        // A CPU set may name several CPUs; back to every CPU, no set is counted any more.
        state.set_cpu(0);
        assert_eq!(state.set_affinity(b, 0b1001), Ok(()));
        assert_eq!(state.thread(b).map(|t| t.cpus), Ok(0b1001));
        for handle in [a, b, c] {
            assert_eq!(state.set_affinity(handle, ALL_CPUS), Ok(()));
        }
        assert_eq!(state.sched.pinned(), 0);
    }

    #[test]
    fn sets_without_a_cpu_of_this_kernel_are_refused() {
        let mut state = four_cpus();
        let a = thread(&mut state, "a");
        state.set_cpu(0);
        // Empty; CPU 5 (never ran this kernel); CPU 8 (past MAX_CPUS), alone or beside CPU 0.
        for cpus in [0, 1 << 5, 1 << 8, 1 << 8 | 1, 1 << 31] {
            assert_eq!(state.set_affinity(a, cpus), Err(Error::InvalidArgument), "{cpus:#x}");
        }
        assert_eq!(state.thread(a).map(|t| t.cpus), Ok(ALL_CPUS));
        assert_eq!(state.sched.pinned(), 0);
        // A set naming an absent CPU beside a present one is kept: only the present one runs it.
        assert_eq!(state.set_affinity(a, 1 << 5 | 1 << 1), Ok(()));
        start(&mut state, a);
        assert_eq!(state.take_kicks(), 1 << 1);
        assert_eq!(reschedule(&mut state, 0), None);
        assert_eq!(reschedule(&mut state, 1), Some(a));
        assert_eq!(state.set_affinity(Handle::from_raw(0), 1), Err(Error::InvalidHandle));
        // A pinned thread that ends is no longer counted, and its set no longer changes.
        let d = thread(&mut state, "d");
        assert_eq!(state.set_affinity(d, 1 << 2), Ok(()));
        assert_eq!(state.sched.pinned(), 2);
        state.kill(d, 0);
        assert_eq!(state.sched.pinned(), 1);
        assert_eq!(state.set_affinity(d, 1), Err(Error::BadState));
        assert_eq!(state.thread(d).map(|t| t.cpus), Ok(1 << 2));
    }
}
