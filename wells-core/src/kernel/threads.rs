//! A thread's way out of waiting and out of existence, on the locked state: queued as a
//! waiter, woken (done, timed out, destroyed, owner died), killed where it stands, finished.

use super::state::State;
use crate::handle::Handle;
use crate::sched::Requeue;
use crate::thread::{Fate, ThreadState, WaitSlot, WakeReason};

impl State {
    /// Queue to wait in for `object`/`slot`.
    pub fn enqueue_waiter(&mut self, object: Handle, slot: WaitSlot, thread: Handle) {
        let priority = self.own_thread_mut(thread).map_or(0, |t| t.priority);
        if let Some(queue) = self.wait_queue_mut(object, slot) {
            queue.push(thread, priority);
        }
    }

    /// `thread` leaves the queue it waited in; the mutex owner it boosted (if that queue is a
    /// mutex's) is re-prioritised.
    fn leave_wait(&mut self, thread: Handle, object: Handle, slot: WaitSlot) {
        if let Some(queue) = self.wait_queue_mut(object, slot) {
            queue.remove(thread);
        }
        if let Ok(Some(owner)) = self.mutex(object).map(|m| m.owner) {
            self.update_priority(owner);
        }
    }

    /// Makes a blocked or sleeping thread runnable with `reason` (or suspended, if asked).
    pub fn wake(&mut self, handle: Handle, reason: WakeReason) {
        let Some(thread) = self.own_thread_mut(handle) else { return };
        let key = thread.timeout_key.take();
        thread.waiting_on = None;
        thread.wake_reason = Some(reason);
        if thread.suspend_pending {
            thread.suspend_pending = false;
            thread.state = ThreadState::Suspended;
        } else {
            if let Some(level) = self.make_runnable(handle, Requeue::Back, true) {
                self.note_ready(handle, level);
            }
        }
        if let Some(key) = key {
            self.clock.remove(key);
        }
    }

    /// A thread's deadline passed: take it out of whatever it waited in and wake it.
    pub fn time_out(&mut self, handle: Handle) {
        let Some(thread) = self.own_thread_mut(handle) else { return };
        thread.timeout_key = None;
        let (reason, waited) = match thread.state {
            // A plain sleep has no reason yet; a deferred thread keeps the one it was woken with.
            ThreadState::Sleeping => (thread.wake_reason.unwrap_or(WakeReason::Done), None),
            _ => (WakeReason::TimedOut, thread.waiting_on),
        };
        if let Some((object, slot)) = waited {
            self.leave_wait(handle, object, slot);
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

    /// Ends a thread that is not running on this CPU: out of every queue, its mutexes handed
    /// on, its joiners woken, its stack freed. Several CPUs: a thread another CPU runs, or left
    /// and may still be on the stack of (`Scheduler::on_a_cpu`), is that CPU's to end: it gets
    /// the fate `Stop(code)`, the CPU running it is kicked, and its kernel exit ends it
    /// ([`State::fate_elsewhere`]). The caller's own thread is not ended here.
    pub fn kill(&mut self, handle: Handle, code: i32) {
        let on_cpu = self.sched.on_a_cpu(handle);
        let Ok(thread) = self.thread_mut(handle) else { return };
        if thread.state == ThreadState::Exited {
            return;
        }
        if on_cpu {
            if self.sched.current() != Some(handle) {
                self.fate_elsewhere(handle, Fate::Stop(code));
            }
            return;
        }
        if thread.state == ThreadState::Running {
            return;
        }
        let (state, priority, key, waiting_on) = (thread.state, thread.priority, thread.timeout_key.take(), thread.waiting_on.take());
        match state {
            ThreadState::Ready => {
                let level = self.thread(handle).map_or(priority, |t| t.placement.level);
                self.dequeue(handle, level);
            }
            ThreadState::Blocked | ThreadState::Sleeping => {
                if let Some(key) = key {
                    self.clock.remove(key);
                }
                if let Some((object, slot)) = waiting_on {
                    self.leave_wait(handle, object, slot);
                }
            }
            _ => {}
        }
        self.finish_thread(handle, code, state != ThreadState::Created);
    }

    /// The common end of a thread: exit code, mutexes handed on (`OwnerDied`), joiners woken.
    /// Returns its stack, which the caller frees once nobody runs on it.
    pub fn finish_thread(&mut self, handle: Handle, code: i32, was_started: bool) -> Option<crate::mem::Stack> {
        let now = self.clock.now();
        let thread = self.thread_mut(handle).ok()?;
        // Taken while it still runs, so its last stretch on the CPU counts.
        let counters = crate::txn::TxnCounters::of_thread(&thread.stats(now));
        let pinned = thread.cpus != crate::kernel::percpu::ALL_CPUS;
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
            self.sched.thread_ended();
            // The CPU in `run` may have to be told (`State::kick`).
            self.clock.mark_dirty();
        }
        // Its set no longer counts (it never changes once the thread ended).
        if pinned {
            self.sched.count_pinned(false);
        }
        stack
    }
}
