//! The joining port: wells inside an environment that already runs the CPU (a Linux process, the
//! Linux kernel, another OS or RTOS on bare metal). It touches no system register — no vectors,
//! MMU/MPU, interrupt controller or timer of its own — and only switches wells threads at the
//! level it finds itself in, saving the callee-saved registers the host's ABI says a call keeps.
//!
//! Free of libc so every host can link it. There are no interrupts of our own: the host delivers
//! timer events by calling `Kernel::tick` (from a signal handler, an hrtimer, its own ISR...), so
//! the interrupt mask is a flag, and a tick arriving while it is set is deferred until the mask
//! is lifted. What differs per instruction set (the register frame of a switch) lives in one
//! file per set: `x86_64.rs`, `aarch64.rs`, `arm.rs` (A32 and T32).

use super::Arch;
use crate::mem::GuardPages;
use super::soft_mask::SoftMask;
use core::sync::atomic::{AtomicPtr, Ordering};

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "arm.rs")]
mod context;

/// Guard pages the host makes (`mprotect` in a process), when its embedder installs a way to.
pub struct HostGuardPages {
    /// The embedder's `fn(address, guarded)`, or null.
    set: AtomicPtr<()>,
}

/// The one host guard-page maker of joined ports.
pub static HOST_GUARD_PAGES: HostGuardPages = HostGuardPages { set: AtomicPtr::new(core::ptr::null_mut()) };

impl HostGuardPages {
    /// Installs (or, with `None`, removes) the host's guard-page maker. Stacks made while one
    /// is installed get a guard page; remove it only once they are all gone.
    pub fn install(&self, set: Option<fn(usize, bool)>) {
        self.set.store(set.map_or(core::ptr::null_mut(), |f| f as *mut ()), Ordering::Release);
    }

    fn installed(&self) -> bool {
        !self.set.load(Ordering::Acquire).is_null()
    }
}

impl GuardPages for HostGuardPages {
    fn set_guard(&self, address: usize, guarded: bool) {
        let set = self.set.load(Ordering::Acquire);
        if !set.is_null() {
            // SAFETY: a non-null value was stored by `install` from a `fn(usize, bool)`.
            let set: fn(usize, bool) = unsafe { core::mem::transmute(set) };
            set(address, guarded);
        }
    }
}

/// The CPU as a joined wells sees it: interrupts masked in software.
pub struct Joined {
    mask: SoftMask,
    /// The work `queue_work` left for the next tick (a `fn()`), or null.
    work: AtomicPtr<()>,
}

impl Default for Joined {
    fn default() -> Self {
        Self::new()
    }
}

impl Joined {
    /// A CPU with interrupts enabled and nothing deferred.
    pub const fn new() -> Self {
        Joined { mask: SoftMask::new(), work: AtomicPtr::new(core::ptr::null_mut()) }
    }

    /// Leaves `work` for the next tick, which runs it as a timer callback (unlocked, no switch
    /// inside; the tick switches after it). Safe from a signal or interrupt handler; the caller
    /// then delivers a tick (`Kernel::tick`, which defers itself while wells is busy). One
    /// piece of work at a time: queuing again before it ran replaces it.
    pub fn queue_work(&self, work: fn()) {
        self.work.store(work as *mut (), Ordering::Release);
    }
}

impl Arch for Joined {
    /// A Linux signal frame (x86_64 with AVX-512 state, arm64 with its FP/SIMD record) is
    /// several KiB; leave room for it and the host's own frames. One value on every instruction
    /// set: `include/wells.h` is one header for every target.
    const MIN_STACK: usize = 16 * 1024;
    /// Linux on arm64 (`VMAP_STACK`) takes a kernel stack pointer with bit 14 set for an
    /// overflow and panics when an interrupt or exception arrives on it: its stacks are 16 KiB
    /// at 32 KiB alignment. Threads of wells.ko there run on stacks shaped the same way.
    #[cfg(all(target_arch = "aarch64", feature = "linux-kernel"))]
    const DEFAULT_STACK: usize = 16 * 1024;
    #[cfg(all(target_arch = "aarch64", feature = "linux-kernel"))]
    const MAX_STACK: usize = 16 * 1024;
    #[cfg(all(target_arch = "aarch64", feature = "linux-kernel"))]
    const STACK_ALIGN: usize = 32 * 1024;

    fn irq_save(&self) -> bool {
        self.mask.save()
    }

    fn irq_restore(&self, were_enabled: bool) {
        self.mask.restore(were_enabled)
    }

    fn irq_defer(&self) {
        self.mask.defer()
    }

    fn irq_take_deferred(&self) -> bool {
        self.mask.take_deferred()
    }

    fn take_queued_work(&self) -> Option<fn()> {
        let work = self.work.swap(core::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: a non-null value was stored by `queue_work` from a `fn()`.
        (!work.is_null()).then(|| unsafe { core::mem::transmute::<*mut (), fn()>(work) })
    }

    fn cpu_id(&self) -> usize {
        0
    }

    fn guard_pages(&self) -> Option<&'static dyn GuardPages> {
        HOST_GUARD_PAGES.installed().then_some(&HOST_GUARD_PAGES as &'static dyn GuardPages)
    }

    fn init_stack(&self, stack: &mut [u8], entry: crate::arch::ThreadEntry, arg: usize) -> usize {
        let base = stack.as_ptr() as usize;
        let top = (base + stack.len()) & !15;
        let sp = top - context::FRAME_BYTES;
        for (i, word) in context::frame(entry, arg).iter().enumerate() {
            let at = sp - base + i * core::mem::size_of::<usize>();
            stack[at..at + core::mem::size_of::<usize>()].copy_from_slice(&word.to_ne_bytes());
        }
        sp
    }

    /// One CPU only: no token is passed (the result means nothing).
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, _token: usize) -> usize {
        // The next stack pointer is handed over in memory: `switch_stacks` loads it from there,
        // the form of stack switch the Linux kernel's objtool accepts (it cannot follow
        // `mov rsp, <register>`). The local lives on the current stack, read before it is left.
        let next = next_sp;
        // SAFETY: forwarded contract of `Arch::switch`; `&next` is valid for the call.
        unsafe { context::switch_stacks(save_sp, &next) };
        0
    }
}
