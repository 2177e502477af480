//! A critical section: interrupts masked and the state locked, released (with any due switch)
//! when the guard drops, so every early `?` return leaves the kernel correctly.

use super::state::State;
use super::{Kernel, StateGuard};
use crate::arch::Arch;
use crate::sched::Requeue;
use core::ops::{Deref, DerefMut};

pub(super) struct Critical<'k, A: Arch> {
    kernel: &'k Kernel<A>,
    state: Option<StateGuard<'k>>,
    /// False when the caller already had interrupts masked (a critical section of its own, a
    /// timer callback): such a caller must not block.
    pub were_enabled: bool,
}

impl<'k, A: Arch> Critical<'k, A> {
    // Every kernel call starts here: inlined, so whether it is does not hang on how the image
    // crate's codegen units happen to be cut (out of line it cost 10 instructions per yield on
    // the Cortex-A15).
    #[inline(always)]
    pub fn enter(kernel: &'k Kernel<A>) -> Self {
        let were_enabled = kernel.arch.irq_save();
        Critical { kernel, state: Some(kernel.lock()), were_enabled }
    }

    /// Leaves the CPU to whatever the scheduler picks (the current thread already changed its
    /// state, or is requeued by `requeue`), and returns when it is switched back in.
    pub fn switch_away(&mut self, requeue: Requeue) {
        let Some(state) = self.state.as_mut() else { return };
        let now = self.kernel.host.now_ns();
        let switch = state.schedule(now, requeue);
        state.reprogram_timer(&*self.kernel.host);
        if let Some(switch) = switch {
            self.kernel.switch_locked(state, switch);
        }
    }

    /// The IPC fast path's switch: the caller waits in `waiting_on` until `deadline` and `next`,
    /// the thread it handed the CPU to, runs (`State::block_for_hand_off`); returns when the
    /// caller is switched back in.
    pub fn block_for_hand_off(&mut self, next: crate::handle::Handle, waiting_on: (crate::handle::Handle, crate::thread::WaitSlot), deadline: Option<u64>) {
        let Some(state) = self.state.as_mut() else { return };
        let now = self.kernel.host.now_ns();
        let switch = state.block_for_hand_off(now, next, waiting_on, deadline);
        state.reprogram_timer(&*self.kernel.host);
        self.kernel.switch_locked(state, switch);
    }
}

impl<A: Arch> Deref for Critical<'_, A> {
    type Target = State;
    fn deref(&self) -> &State {
        self.state.as_ref().expect("wells: critical section without state")
    }
}

impl<A: Arch> DerefMut for Critical<'_, A> {
    fn deref_mut(&mut self) -> &mut State {
        self.state.as_mut().expect("wells: critical section without state")
    }
}

impl<A: Arch> Drop for Critical<'_, A> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.kernel.finish(state);
        }
        self.kernel.irq_restore(self.were_enabled);
    }
}
