//! The `Host` of boards with the Arm generic timer (arm64, Cortex-A15): time from its counter,
//! the one-shot deadline on its virtual timer, the board console, idle until an interrupt.

use crate::Platform;
use core::marker::PhantomData;
use wells_core::Host;

/// The generic timer as each CPU port reaches it.
pub trait GenericTimer: Platform {
    /// The counter and its frequency in Hz.
    fn counter() -> (u64, u64);
    /// Raises the virtual timer interrupt when the counter reaches `compare`.
    fn timer_arm(compare: u64);
    /// Interrupts CPU `cpu` for the kernel they share (a board whose kernel runs on several
    /// CPUs: the reschedule SGI); a board of one CPU is never asked.
    fn kick_cpu(_cpu: usize) {}
}

const NS_PER_S: u128 = 1_000_000_000;

/// Time, timer and console of board `P`.
pub struct TimerHost<P> {
    /// Nanoseconds per counter tick as a 32.32 fixed-point number: the clock is read on every
    /// switch, and a multiply is far cheaper than a 128-bit division.
    ns_per_tick_q32: u64,
    board: PhantomData<fn() -> P>,
}

impl<P: GenericTimer> TimerHost<P> {
    /// Reads the counter frequency once.
    pub fn new() -> Self {
        let (_, frequency) = P::counter();
        TimerHost { ns_per_tick_q32: ((NS_PER_S << 32) / frequency.max(1) as u128) as u64, board: PhantomData }
    }
}

impl<P: GenericTimer> Default for TimerHost<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: GenericTimer> Host for TimerHost<P> {
    fn now_ns(&self) -> u64 {
        let (count, _) = P::counter();
        ((count as u128 * self.ns_per_tick_q32 as u128) >> 32) as u64
    }

    fn timer_arm(&self, deadline_ns: u64) {
        let (_, frequency) = P::counter();
        // Round up so the interrupt never comes before the deadline.
        let compare = (deadline_ns as u128 * frequency as u128).div_ceil(NS_PER_S);
        P::timer_arm(compare.min(u64::MAX as u128) as u64);
    }

    fn timer_cancel(&self) {
        P::timer_cancel();
    }

    fn console_write(&self, text: &[u8]) {
        P::console_write(text);
    }

    fn idle(&self) {
        P::wait_for_interrupt();
    }

    /// WFI ends on a pending interrupt whatever PSTATE.I / CPSR.I say.
    fn idles_masked(&self) -> bool {
        true
    }

    fn kick_cpu(&self, cpu: usize) {
        P::kick_cpu(cpu);
    }
}
