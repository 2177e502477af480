//! Trace points outside the core: the image's system-call dispatcher, interrupt paths and
//! hypervisor exits record into the telemetry ring through [`Kernel::trace`]. While the ring is
//! off (the default) a trace point costs one test of a flag, and takes no lock.

use super::Kernel;
use crate::arch::Arch;
use crate::telemetry::EventKind;
use core::sync::atomic::Ordering;

impl<A: Arch> Kernel<A> {
    /// Records `kind` with `arg` for the thread running now (none when idle), if the telemetry
    /// ring is on ([`Kernel::telemetry_enable`]). Callable with interrupts masked or not, but
    /// not with the kernel's state locked (an interrupt handler never finds it locked: the lock
    /// is only held with interrupts masked).
    #[inline]
    pub fn trace(&self, kind: EventKind, arg: u64) {
        if self.tracing.load(Ordering::Relaxed) {
            self.trace_now(kind, arg);
        }
    }

    /// The recording half of [`Kernel::trace`], out of line so the check stays small.
    #[inline(never)]
    fn trace_now(&self, kind: EventKind, arg: u64) {
        let were_enabled = self.arch.irq_save();
        {
            let mut state = self.lock();
            let now = self.host.now_ns();
            let current = state.sched.current();
            state.telemetry.record(now, kind, current, arg);
        }
        self.irq_restore(were_enabled);
    }

    /// Whether [`Kernel::trace`] records (the telemetry ring is on).
    pub fn tracing(&self) -> bool {
        self.tracing.load(Ordering::Relaxed)
    }
}
