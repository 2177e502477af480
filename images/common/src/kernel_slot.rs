//! The kernel a board's timer reaches, and the kernels boards make (which register there).

use crate::Platform;
use alloc::boxed::Box;
use core::ops::Deref;
use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, Ordering};
use wells_core::{Arch, Host, Kernel};

/// Holds the kernel timer interrupts go to (one at a time); each board has one, in a static.
pub struct KernelSlot<A: Arch> {
    kernel: AtomicPtr<Kernel<A>>,
    /// What a level started on the kernel and must forget with it (its tasks, its VMs).
    forget: spin::Mutex<Option<fn()>>,
}

impl<A: Arch> KernelSlot<A> {
    pub const fn new() -> Self {
        KernelSlot { kernel: AtomicPtr::new(core::ptr::null_mut()), forget: spin::Mutex::new(None) }
    }

    /// The kernel receiving timer interrupts now, if any.
    pub fn get(&self) -> Option<&'static Kernel<A>> {
        // SAFETY: a non-null pointer is the kernel of a live `KernelOnBoard`, which clears it (with
        // interrupts masked) before the kernel is freed.
        unsafe { self.kernel.load(Ordering::Acquire).as_ref() }
    }

    /// Has `forget` run when the kernel of this slot goes away: a level that registers what it
    /// started on the kernel (tasks, VMs) clears its registry then. The level's business, not
    /// the board's: the board only keeps the slot.
    pub fn forget_with_kernel(&self, forget: fn()) {
        *self.forget.lock() = Some(forget);
    }
}

impl<A: Arch> Default for KernelSlot<A> {
    fn default() -> Self {
        Self::new()
    }
}

/// A kernel created on board `P`; its timer reaches it while it lives.
pub struct KernelOnBoard<P: Platform>(Pin<Box<Kernel<P::Arch>>>);

impl<P: Platform> KernelOnBoard<P> {
    /// A kernel on `host` that replaces the last one in the board's slot.
    pub fn new(host: Box<dyn Host>) -> Self {
        let kernel = KernelOnBoard(Kernel::new(P::cpu(), host));
        P::slot().kernel.store(&*kernel as *const Kernel<P::Arch> as *mut Kernel<P::Arch>, Ordering::Release);
        kernel
    }
}

impl<P: Platform> Deref for KernelOnBoard<P> {
    type Target = Kernel<P::Arch>;
    fn deref(&self) -> &Kernel<P::Arch> {
        &self.0
    }
}

impl<P: Platform> Drop for KernelOnBoard<P> {
    fn drop(&mut self) {
        let were_enabled = P::cpu().irq_save();
        P::slot().kernel.store(core::ptr::null_mut(), Ordering::Release);
        P::timer_cancel();
        P::cpu().irq_restore(were_enabled);
        let forget = P::slot().forget.lock().take();
        if let Some(forget) = forget {
            forget();
        }
    }
}
