//! Ending, suspending and re-placing a thread that runs on another CPU (several CPUs, feature
//! `smp`): the code is where each decision is made — `State::kill` and
//! `State::fate_elsewhere` (a fate that waits and a kicked CPU that carries it out at its
//! kernel exit), `State::suspend_elsewhere` (a mark `schedule` turns into `Suspended`),
//! `State::replace_running` (a priority change of a thread running on another CPU). Here is
//! how the caller waits until that CPU acted ([`Kernel::wait_elsewhere`]), and the tests, on
//! the simulated CPUs of `kernel/affinity.rs`.

use super::percpu::MAX_CPUS;
use super::state::State;
use super::Kernel;
use crate::arch::Arch;
use crate::handle::Handle;
use crate::thread::{Thread, ThreadState, WaitSlot, WakeReason};

impl<A: Arch> Kernel<A> {
    /// Several CPUs: returns once `done` holds for `thread`, which another CPU was asked to
    /// stop, restart, suspend or move off, or once it ended or is gone. The caller blocks among the
    /// thread's joiners (`Thread::watched`), woken when that CPU lets the thread go or carries
    /// out its fate, and looks again. False when it could not wait: the caller is not a thread
    /// that may block (an interrupt, a timer callback, interrupts masked, the embedder's
    /// section); the other CPU then acts a little after the call returned. True at once with
    /// one CPU, where nothing is left to another.
    pub(super) fn wait_elsewhere(&self, thread: Handle, done: impl Fn(&State, &Thread) -> bool) -> bool {
        if MAX_CPUS == 1 {
            return true;
        }
        loop {
            let mut cs = self.critical();
            let Ok(t) = cs.thread(thread) else { return true };
            if t.state == ThreadState::Exited || done(&cs, t) {
                return true;
            }
            let Ok(me) = Self::blocking_caller(&cs) else { return false };
            if let Ok(t) = cs.thread_mut(thread) {
                t.watched = true;
            }
            cs.enqueue_waiter(thread, WaitSlot::Main, me);
            // However it is woken (the thread let go, ended, or a spurious wake-up of the
            // joiners), it looks again.
            let _ = self.block(&mut cs, Some((thread, WaitSlot::Main)), None, ThreadState::Blocked);
        }
    }
}

impl State {
    /// Wakes the threads waiting for `thread` to leave its CPU or have its fate carried out
    /// ([`Kernel::wait_elsewhere`]), if any: its whole joiners' queue (a joiner woken looks at
    /// the thread and waits again). Its queue keeps the room it reserved.
    pub(super) fn wake_watchers(&mut self, thread: Handle) {
        let Ok(t) = self.thread_mut(thread) else { return };
        if !core::mem::take(&mut t.watched) {
            return;
        }
        let mut joiners = core::mem::take(&mut t.joiners);
        self.wake_all(joiners.drain(), WakeReason::Done);
        if let Ok(t) = self.thread_mut(thread) {
            if t.joiners.is_empty() {
                t.joiners = joiners;
            }
        }
    }
}

#[cfg(all(test, feature = "smp"))]
mod tests {
    use super::super::affinity::tests::{four_cpus, reschedule, start, thread};
    use super::super::state::State;
    use crate::handle::Handle;
    use crate::sched::Requeue;
    use crate::thread::{Fate, ThreadState, WaitSlot};

    /// Four CPUs, each running one thread of priority 10 (`run[n]` on CPU n); no kick left.
    fn four_busy() -> (State, [Handle; 4]) {
        let mut state = four_cpus();
        let run = [thread(&mut state, "r0"), thread(&mut state, "r1"), thread(&mut state, "r2"), thread(&mut state, "r3")];
        for &t in &run {
            state.set_cpu(0);
            start(&mut state, t);
        }
        for (cpu, &t) in run.iter().enumerate() {
            assert_eq!(reschedule(&mut state, cpu), Some(t));
        }
        state.take_kicks();
        (state, run)
    }

    /// A thread of `priority`, started (queued: every CPU runs a thread of 10).
    fn queued(state: &mut State, name: &str, priority: u8) -> Handle {
        let t = thread(state, name);
        if let Ok(thread) = state.thread_mut(t) {
            (thread.priority, thread.base_priority) = (priority, priority);
        }
        start(state, t);
        t
    }

    fn state_of(state: &State, t: Handle) -> Option<ThreadState> {
        state.thread(t).ok().map(|t| t.state)
    }

    #[test]
    fn a_thread_running_on_another_cpu_gets_its_end_as_a_fate_and_that_cpu_a_kick() {
        let (mut state, run) = four_busy();
        state.set_cpu(0);
        state.kill(run[1], 7);
        // Still running on CPU 1; CPU 1 is kicked, its kernel exit ends it.
        assert_eq!(state_of(&state, run[1]), Some(ThreadState::Running));
        assert_eq!(state.thread(run[1]).map(|t| t.pending_fate), Ok(Some(Fate::Stop(7))));
        assert_eq!(state.take_kicks(), 1 << 1);
        assert!(state.has_fates());
        // A restart asked after it does not undo the end; a second end keeps the first code.
        state.fate_elsewhere(run[1], Fate::Restart);
        state.kill(run[1], 8);
        assert_eq!(state.thread(run[1]).map(|t| t.pending_fate), Ok(Some(Fate::Stop(7))));
        // The caller's own thread is never ended by `kill`, and gets no fate from it.
        state.kill(run[0], 9);
        assert_eq!(state.thread(run[0]).map(|t| (t.state, t.pending_fate)), Ok((ThreadState::Running, None)));
        // A restart of one running elsewhere is a fate of its own as well.
        state.fate_elsewhere(run[2], Fate::Restart);
        assert_eq!(state.thread(run[2]).map(|t| t.pending_fate), Ok(Some(Fate::Restart)));
        assert_eq!(state.take_kicks(), 1 << 1 | 1 << 2);
    }

    #[test]
    fn a_thread_left_by_another_cpu_is_ended_once_that_cpu_let_it_go() {
        let (mut state, run) = four_busy();
        let waiting = queued(&mut state, "w", 10);
        // CPU 1 yields: it runs `waiting` and has left run[1], not yet off its stack.
        state.set_cpu(1);
        assert!(state.schedule(0, Requeue::Back).is_some());
        assert_eq!(state.sched.current(), Some(waiting));
        state.set_cpu(0);
        state.kill(run[1], 5);
        // Not running: nobody to kick; not ended either (its stack may still be in use).
        assert_eq!(state.take_kicks(), 0);
        assert_eq!(state_of(&state, run[1]), Some(ThreadState::Ready));
        // CPU 1, off its stack, does not offer it (no kick for another CPU) but kicks itself.
        state.set_cpu(1);
        state.after_switch();
        assert_eq!(state.take_kicks(), 1 << 1);
        // Its kernel exit carries the fate out: now on no CPU, `kill` ends it.
        assert_eq!(state.take_fates(), alloc::vec![run[1]]);
        assert_eq!(state.thread_mut(run[1]).ok().and_then(|t| t.pending_fate.take()), Some(Fate::Stop(5)));
        state.kill(run[1], 5);
        assert_eq!(state.thread(run[1]).map(|t| (t.state, t.exit_code)), Ok((ThreadState::Exited, 5)));
        assert_eq!(state.sched.ready().top_level(), None);
    }

    #[test]
    fn a_thread_waiting_for_another_cpu_to_act_is_woken_once_that_cpu_let_the_thread_go() {
        let (mut state, run) = four_busy();
        let (waiter, target) = (run[0], run[1]);
        // CPU 0's thread suspends run[1], on CPU 1, and waits (as `Kernel::wait_elsewhere`).
        state.set_cpu(0);
        state.suspend_elsewhere(target, 1);
        state.take_kicks();
        if let Ok(t) = state.thread_mut(target) {
            t.watched = true;
        }
        state.enqueue_waiter(target, WaitSlot::Main, waiter);
        if let Ok(t) = state.thread_mut(waiter) {
            t.state = ThreadState::Blocked;
            t.waiting_on = Some((target, WaitSlot::Main));
        }
        assert_eq!(reschedule(&mut state, 0), None);
        assert_eq!(state_of(&state, waiter), Some(ThreadState::Blocked));
        // CPU 1 takes the interrupt: run[1] is suspended and, once let go, its watcher woken.
        assert_eq!(reschedule(&mut state, 1), None);
        assert_eq!(state_of(&state, target), Some(ThreadState::Suspended));
        assert_eq!(state_of(&state, waiter), Some(ThreadState::Ready));
        assert_eq!(state.thread(target).map(|t| (t.watched, t.joiners.is_empty())), Ok((false, true)));
        // Offered to an idle CPU (0 or 1), which is kicked or due to switch, and runs it.
        let kicked = state.take_kicks();
        let cpu = (0..2).find(|&cpu| kicked & 1 << cpu != 0 || { state.set_cpu(cpu); state.sched.resched().is_some() });
        assert_eq!(cpu.and_then(|cpu| reschedule(&mut state, cpu)), Some(waiter));
    }

    #[test]
    fn a_thread_suspended_from_another_cpu_leaves_its_cpu_and_is_not_queued() {
        let (mut state, run) = four_busy();
        state.set_cpu(0);
        state.suspend_elsewhere(run[2], 2);
        assert_eq!(state.take_kicks(), 1 << 2);
        assert_eq!(state_of(&state, run[2]), Some(ThreadState::Running));
        // CPU 2 takes the interrupt: the switch due suspends it; nothing else to run.
        state.set_cpu(2);
        assert_eq!(state.sched.resched(), Some(Requeue::Back));
        assert_eq!(reschedule(&mut state, 2), None);
        assert_eq!(state.thread(run[2]).map(|t| (t.state, t.suspend_pending)), Ok((ThreadState::Suspended, false)));
        assert_eq!(state.sched.ready().top_level(), None);
    }

    #[test]
    fn a_priority_drop_on_another_cpu_yields_there_and_a_rise_while_ready_preempts() {
        let (mut state, run) = four_busy();
        let medium = queued(&mut state, "m", 8);
        // Every CPU runs a 10: `medium` waits, nobody is kicked.
        assert_eq!(state.take_kicks(), 0);
        // From CPU 0, run[1] (on CPU 1) drops to 5: CPU 1 is kicked and switches to `medium`.
        state.set_cpu(0);
        if let Ok(t) = state.thread_mut(run[1]) {
            t.base_priority = 5;
        }
        state.update_priority(run[1]);
        assert_eq!(state.sched.resched(), None, "not the caller's CPU");
        assert_eq!(state.take_kicks(), 1 << 1);
        assert_eq!(reschedule(&mut state, 1), Some(medium));
        assert_eq!(state_of(&state, run[1]), Some(ThreadState::Ready));
        state.take_kicks();
        // Back to 10 while ready: the CPU running the lowest level below it (CPU 1, `medium`
        // at 8) is kicked, and runs it again.
        state.set_cpu(0);
        if let Ok(t) = state.thread_mut(run[1]) {
            t.base_priority = 10;
        }
        state.update_priority(run[1]);
        assert_eq!(state.take_kicks(), 1 << 1);
        assert_eq!(reschedule(&mut state, 1), Some(run[1]));
        // A rise of one running elsewhere changes the level `offer` compares: a 12 made ready
        // now goes to a CPU running a 10, not to CPU 1.
        if let Ok(t) = state.thread_mut(run[1]) {
            t.base_priority = 14;
        }
        state.set_cpu(0);
        state.update_priority(run[1]);
        state.take_kicks();
        let high = queued(&mut state, "h", 12);
        let kicks = state.take_kicks() | u32::from(state.sched.resched().is_some());
        assert_eq!(kicks & 1 << 1, 0, "{kicks:#b}");
        assert_ne!(kicks, 0);
        assert_eq!(state_of(&state, high), Some(ThreadState::Ready));
    }
}
