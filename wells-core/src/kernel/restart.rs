//! Carrying out what a transaction abort decided for its members: start over from the entry
//! (restart policy) or end (stop policy). Done at the end of the kernel call in which the abort
//! happened; a member that is the caller itself starts over on a fresh stack and never returns
//! from that call.

use super::state::State;
use super::{Kernel, StateGuard};
use crate::arch::{thread_bootstrap, Arch};
use crate::handle::Handle;
use crate::mem::Stack;
use crate::sched::Requeue;
use crate::thread::{Fate, ThreadState, WakeReason, STACK_CANARY};
use alloc::vec::Vec;

impl<A: Arch> Kernel<A> {
    /// A fresh stack for `thread`, of the size its current one has, ready to run its entry.
    fn fresh_stack(&self, state: &State, thread: Handle) -> Option<(Stack, usize)> {
        let size = state.thread(thread).ok()?.stack.as_ref()?.as_slice().len();
        let mut stack = Stack::new(size, self.arch.guard_pages(), A::STACK_ALIGN)?;
        stack.as_mut_slice()[..8].copy_from_slice(&STACK_CANARY.to_ne_bytes());
        let sp = self.arch.init_stack(stack.as_mut_slice(), thread_bootstrap::<A>, self as *const Self as usize);
        Some((stack, sp))
    }

    /// Carries out pending fates; returns only if the caller's own thread has none.
    pub(super) fn carry_out_fates<'k>(&'k self, mut state: StateGuard<'k>) -> StateGuard<'k> {
        let pending: Vec<Handle> = state.take_fates();
        let current = state.sched.caller();
        let mut own = None;
        for thread in pending {
            // Several CPUs: a thread another CPU runs, or left with its context perhaps not
            // saved yet, is that CPU's to end or restart. Its fate waits; the CPU running it is
            // interrupted and carries it out as its own, or any CPU does once it is off.
            if Some(thread) != current && state.sched.on_a_cpu(thread) {
                state.defer_fate(thread);
                continue;
            }
            let Some(fate) = state.thread_mut(thread).ok().and_then(|t| t.pending_fate.take()) else { continue };
            if Some(thread) == current {
                own = Some(fate);
                continue;
            }
            match fate {
                Fate::Stop(code) => state.kill(thread, code),
                // Only a transaction abort, or `thread_restart` of a thread on another CPU,
                // decides a restart: without either feature this folds away.
                Fate::Restart if !cfg!(any(feature = "transactions", feature = "smp")) => {}
                Fate::Restart => {
                    if let Some((stack, sp)) = self.fresh_stack(&state, thread) {
                        state.restart_other(thread, stack, sp);
                    }
                    // Several CPUs: a `thread_restart` on another CPU may wait for it.
                    state.wake_watchers(thread);
                }
            }
        }
        let (Some(fate), Some(me)) = (own, current) else { return state };
        match fate {
            Fate::Stop(code) => {
                drop(state);
                self.exit_current(code)
            }
            Fate::Restart if !cfg!(any(feature = "transactions", feature = "smp")) => state,
            Fate::Restart => match self.fresh_stack(&state, me) {
                Some((stack, sp)) => self.restart_current(state, me, stack, sp),
                None => state,
            },
        }
    }

    /// Starts another thread over from its entry, on its own stack: what it was doing is
    /// abandoned (its wait ends, its mutexes go to their next waiters with owner-died) and it is
    /// made runnable. Nothing is allocated. For a supervisor that stops runaway work (the OSEK
    /// layer's timing protection). `BadContext` for the caller itself, `BadState` for a thread
    /// not started or ended. Several CPUs: a thread another CPU runs (or just left) is
    /// restarted by that CPU, kicked, at its next kernel exit ([`State::fate_elsewhere`]); a
    /// caller that may block returns once that CPU did (`Kernel::wait_elsewhere`).
    pub fn thread_restart(&self, handle: Handle) -> crate::error::Result<()> {
        let mut cs = self.critical();
        if cs.sched.caller() == Some(handle) {
            return Err(crate::error::Error::BadContext);
        }
        let on_cpu = cs.sched.on_a_cpu(handle);
        let thread = cs.thread_mut(handle)?;
        if matches!(thread.state, ThreadState::Created | ThreadState::Exited) {
            return Err(crate::error::Error::BadState);
        }
        if on_cpu {
            cs.fate_elsewhere(handle, Fate::Restart);
            drop(cs);
            self.wait_elsewhere(handle, |_, t| t.pending_fate.is_none());
            return Ok(());
        }
        if thread.state == ThreadState::Running {
            return Err(crate::error::Error::BadState);
        }
        let Some(mut stack) = thread.stack.take() else { return Err(crate::error::Error::BadState) };
        stack.as_mut_slice()[..8].copy_from_slice(&STACK_CANARY.to_ne_bytes());
        let sp = self.arch.init_stack(stack.as_mut_slice(), thread_bootstrap::<A>, self as *const Self as usize);
        cs.clock.set_now(self.host.now_ns());
        cs.restart_other(handle, stack, sp);
        Ok(())
    }

    /// The calling thread starts over from its entry on `stack`: this context is abandoned.
    fn restart_current(&self, mut state: StateGuard<'_>, me: Handle, stack: Stack, sp: usize) -> ! {
        state.release_for_restart(me);
        // Several CPUs: a `thread_restart` on another CPU may wait for this one to restart.
        state.wake_watchers(me);
        if let Ok(thread) = state.thread_mut(me) {
            thread.state = ThreadState::Ready;
            thread.saved_sp = sp;
            let old = thread_swap_stack(&mut state, me, stack);
            state.sched.set_dead_stack(old);
        }
        state.sched.abandon_current();
        let now = self.host.now_ns();
        let switch = state.schedule(now, Requeue::Back).expect("wells: restart found nothing to switch to");
        state.make_runnable(me, Requeue::Back, true);
        state.reprogram_timer(&*self.host);
        self.switch_for_good(state, switch);
        unreachable!("wells: an abandoned context was resumed")
    }
}

fn thread_swap_stack(state: &mut State, thread: Handle, stack: Stack) -> Option<Stack> {
    state.thread_mut(thread).ok().and_then(|t| t.stack.replace(stack))
}

impl State {
    /// What a restarting thread lets go of: its wait, its mutexes (to the next waiter, with
    /// owner-died). Its joiners keep waiting; it stays a member of its transactions.
    fn release_for_restart(&mut self, thread: Handle) {
        let Ok(t) = self.thread_mut(thread) else { return };
        let (key, waiting_on) = (t.timeout_key.take(), t.waiting_on.take());
        t.wake_reason = None;
        t.suspend_pending = false;
        t.deferred = false;
        t.slice_left_ns = 0;
        let owned = core::mem::take(&mut t.owned_mutexes);
        if let Some(key) = key {
            self.clock.remove(key);
        }
        if let Some((object, slot)) = waiting_on {
            if let Some(queue) = self.wait_queue_mut(object, slot) {
                queue.remove(thread);
            }
        }
        for mutex in owned {
            self.release_mutex(mutex, thread, WakeReason::OwnerDied);
        }
    }

    /// A thread that is not running starts over from its entry on `stack`.
    pub fn restart_other(&mut self, thread: Handle, stack: Stack, sp: usize) {
        let Ok(t) = self.thread(thread) else { return };
        let (state, level) = (t.state, t.placement.level);
        match state {
            ThreadState::Created | ThreadState::Exited | ThreadState::Running => return,
            ThreadState::Ready => {
                self.dequeue(thread, level);
            }
            _ => {}
        }
        self.release_for_restart(thread);
        if let Ok(t) = self.thread_mut(thread) {
            t.saved_sp = sp;
            t.stack = Some(stack);
        }
        if let Some(level) = self.make_runnable(thread, Requeue::Back, true) {
            self.note_ready(thread, level);
        }
    }
}
