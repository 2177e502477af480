//! Mutex ownership on the locked state: handing a mutex on, and priority inheritance — a
//! thread's effective priority is the maximum of its base and the first waiter of every mutex
//! it holds, recomputed along the chain of owners (bounded) whenever one of those changes.

use super::state::State;
use crate::handle::Handle;
use crate::sched::Requeue;
use crate::thread::{ThreadState, WakeReason};

/// Longest chain of mutex owners that priority inheritance follows.
const MAX_INHERITANCE_DEPTH: usize = 32;

impl State {
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
                    self.dequeue(handle, queued);
                    if let Some(level) = self.make_runnable(handle, Requeue::Back, false) {
                        self.note_ready(handle, level);
                    }
                }
                ThreadState::Running => self.replace_running(handle),
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

    /// A destroyed mutex's owner no longer holds it: its inherited priority is recomputed.
    pub(super) fn forget_mutex(&mut self, mutex: Handle, owner: Handle) {
        if let Ok(thread) = self.thread_mut(owner) {
            thread.owned_mutexes.retain(|&m| m != mutex);
        }
        self.update_priority(owner);
    }
}
