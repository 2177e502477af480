//! The board as shared code sees it.

use crate::{KernelOnBoard, KernelSlot};
use wells_core::mem::HeapStats;
use wells_core::{Arch, Kernel};

/// What shared code needs from a board: its CPU, console and timer, and how it makes kernels.
/// Implemented by the value each board hands its application (`app_main`).
pub trait Platform: Sized + 'static {
    /// The CPU port.
    type Arch: Arch;

    /// Stack size of the kernel threads the shared tests start (0: the core's default).
    const THREAD_STACK: usize = 0;

    /// How late the board's timer may notice a deadline: 0 for a one-shot timer programmed
    /// to the deadline, the tick for a periodic tick (the Cortex-M3's SysTick).
    const TIMER_RESOLUTION_NS: u64 = 0;

    /// The CPU the board's kernels run on.
    fn cpu() -> &'static Self::Arch;
    /// Where the kernel the board's timer reaches is kept.
    fn slot() -> &'static KernelSlot<Self::Arch>;
    /// Writes bytes to the console (polled; `\n` goes out as `\r\n`).
    fn console_write(bytes: &[u8]);
    /// Waits for an interrupt.
    fn wait_for_interrupt();
    /// Silences the timer: the kernel it reached is going away.
    fn timer_cancel();
    /// A fresh kernel that receives this board's timer (replacing the last one).
    fn new_kernel(&self) -> KernelOnBoard<Self>;
    /// Kernel heap use.
    fn heap_stats(&self) -> HeapStats;

    /// The kernel of this board, for code running in its threads (which only run while it lives).
    fn kernel() -> &'static Kernel<Self::Arch> {
        Self::slot().get().expect("wells: no kernel on this board")
    }
}

/// Masks interrupts on the CPU of board `P`; returns whether they were enabled (the kernel
/// heap's lock takes this and [`irq_restore`]).
pub fn irq_save<P: Platform>() -> bool {
    P::cpu().irq_save()
}

/// Restores what [`irq_save`] returned.
pub fn irq_restore<P: Platform>(were_enabled: bool) {
    P::cpu().irq_restore(were_enabled)
}
