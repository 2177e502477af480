//! The CPU as a wells kernel *inside* a Cortex-M3 partition sees it (issue 16: an RTOS instance
//! per partition): a joining port. The partition runs unprivileged, so this port touches no
//! system register and runs no privileged instruction: the interrupt mask is a flag, as in the
//! joined port (`arch::joined`), and a virtual tick that arrives while it is set is recorded and
//! run by the core when the mask is lifted. Switching threads is the ARMv7-M stack swap, which
//! only pushes and pops general registers on the partition's own stacks.
//!
//! The value lives in the partition's RAM (nothing of a partition is static: one program in the
//! shared flash serves every partition), placed there by the partition program.

use super::Armv7m;
use crate::arch::Arch;
use crate::arch::soft_mask::SoftMask;

/// A partition's CPU: interrupts (its virtual ticks) masked in software.
pub struct PartitionCpu {
    mask: SoftMask,
}

impl Default for PartitionCpu {
    fn default() -> Self {
        Self::new()
    }
}

impl PartitionCpu {
    /// Ticks enabled, nothing deferred.
    pub const fn new() -> Self {
        PartitionCpu { mask: SoftMask::new() }
    }

    /// The virtual tick arrived (from the partition's virtual interrupt handler): recorded for
    /// the kernel, which runs it when a thread next lifts the mask or when its idle loop wakes.
    /// The handler never switches threads itself: the hosting kernel delivers no further
    /// virtual interrupt until the handler returns, so a thread switched to inside it would
    /// run without ticks.
    pub fn tick_arrived(&self) {
        self.mask.defer()
    }
}

impl Arch for PartitionCpu {
    /// A partition has kilobytes, not megabytes: the demo's threads take 1 KiB each. No
    /// trap frame lands on a thread stack but the virtual interrupt's (8 words) and its
    /// handler's few words.
    const MIN_STACK: usize = 512;
    const DEFAULT_STACK: usize = 1024;
    const MAX_STACK: usize = 8 * 1024;
    const STACK_ALIGN: usize = 8;

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

    fn cpu_id(&self) -> usize {
        0
    }

    fn init_stack(&self, stack: &mut [u8], entry: crate::arch::ThreadEntry, arg: usize) -> usize {
        Armv7m.init_stack(stack, entry, arg)
    }

    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, token: usize) -> usize {
        // SAFETY: forwarded contract of `Arch::switch`; the ARMv7-M switch uses only general
        // registers and the stacks, which unprivileged code may.
        unsafe { Armv7m.switch(save_sp, next_sp, token) }
    }
}

/// True in unprivileged thread mode, where partitions run: their allocations go to their own
/// heap, never to the hosting kernel's, which their MPU regions do not reach. `mrs` of CONTROL
/// and IPSR is allowed unprivileged.
pub fn in_partition() -> bool {
    let (control, ipsr): (u32, u32);
    // SAFETY: two reads of special registers, no side effect.
    unsafe { core::arch::asm!("mrs {0}, control", "mrs {1}, ipsr", out(reg) control, out(reg) ipsr, options(nomem, nostack, preserves_flags)) };
    control & 1 == 1 && ipsr & 0x1ff == 0
}
