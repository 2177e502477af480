//! The Host trait: what wells needs from the environment it runs in.
//!
//! When wells *joins* an established environment (a Linux process, the Linux kernel, another
//! OS), the host provides these services; when wells *establishes* its level on bare metal, the
//! board code provides them itself from its own drivers (generic timer, UART, RAM map). Either
//! way the core sees only this trait.

/// Services from the environment. All methods may be called with wells' interrupts masked.
pub trait Host: Send + Sync {
    /// Monotonic time in nanoseconds.
    fn now_ns(&self) -> u64;
    /// Arrange for [`crate::Kernel::tick`] to be called once at or after `deadline_ns`.
    /// Replaces any earlier arm. Must be callable from the tick itself.
    fn timer_arm(&self, deadline_ns: u64);
    /// Cancel the armed timer, if any.
    fn timer_cancel(&self);
    /// Write text to the console.
    fn console_write(&self, text: &[u8]);
    /// Nothing is ready to run: wait a little for the next host event (a timer). May return early.
    fn idle(&self);
    /// True when [`Host::idle`] is to be called with wells' interrupts masked and returns once
    /// an interrupt is pending, without taking it (Arm's WFI does so). The run loop then lifts
    /// the mask only after the wait: an interrupt that lands between its last look at the
    /// threads and the wait cannot be taken there and leave the wait with nothing to end it.
    fn idles_masked(&self) -> bool {
        false
    }
    /// Several CPUs (wells-core feature `smp`): interrupt CPU `cpu` so that it enters
    /// [`crate::Kernel::reschedule_interrupt`] (a switch is due there). A host of one CPU never
    /// gets this call.
    fn kick_cpu(&self, _cpu: usize) {}
}
