//! A wells kernel as a partition's RTOS (issue 16: "each partition runs its own RTOS instance —
//! a wells kernel instance built as a partition"): the same `wells_core::Kernel` as the hosting
//! kernel's, on the joining-style port `PartitionCpu` (interrupt mask in software, no privileged
//! instruction), with its heap, threads, timers and semaphores in the partition's own RAM and its
//! time, timer events, idling and console from the partition calls.
//!
//! The partition's RAM, from its base (a slot base, aligned to [`SLOT_SIZE`]):
//!
//! ```text
//! base: [ PartitionBase: the CPU (mask flags) and the heap's bookkeeping ]
//!       [ heap: the kernel, its objects, its threads' stacks             ]
//! end - ENTRY_STACK: [ the entry's stack: the kernel's idle context       ]
//! ```
//!
//! Nothing is static: the kernel restarts the partition by zeroing its RAM, so a restart
//! re-initialises all of it, and one program in the shared flash serves every partition.
//! Allocations made in a partition find its heap from the stack pointer's slot
//! ([`super::split_heap`]).

use super::executive::SLOT_SIZE;
use alloc::boxed::Box;
use core::pin::Pin;
use wells_core::arch::armv7m::partition as calls;
use wells_core::arch::armv7m::partition_cpu::PartitionCpu;
use wells_core::mem::KernelHeap;
use wells_core::sched::ClassicPolicy;
use wells_core::{Host, Kernel};

/// A kernel inside a partition.
pub type PartitionKernel = Kernel<PartitionCpu>;

/// The virtual timer's period: the kernel's timing grain.
pub const TICK_US: u32 = 500;
/// The entry's stack at the RAM's top: the kernel's idle loop and the virtual interrupts
/// taken while it idles, and `Kernel::new`, which builds the kernel on the stack before boxing
/// it (measured: 2 028 bytes used, `entry_stack_never_used`).
const ENTRY_STACK: usize = 4096;
/// The least heap the kernel, two threads and their objects need (the demo: at most 6 920 bytes).
const HEAP_MIN: usize = 8 * 1024;

/// What lies at the base of a partition running wells.
#[repr(C)]
struct PartitionBase {
    cpu: PartitionCpu,
    heap: KernelHeap,
}

/// Where the partition that runs the caller keeps its [`PartitionBase`]: the base of the slot
/// its stack is in (every stack of a partition lies in its RAM, which starts at a slot base).
fn base_of_caller() -> usize {
    let marker = 0u8;
    core::ptr::addr_of!(marker) as usize & !(SLOT_SIZE - 1)
}

/// The heap of the partition the caller runs in.
pub fn heap_of_caller() -> &'static KernelHeap {
    // SAFETY: called only in a partition running wells (the split heap checks unprivileged
    // mode, and only this program allocates there), after `start` wrote its `PartitionBase`;
    // it lives as long as the partition's RAM, i.e. as long as anything runs there.
    unsafe { &(*(base_of_caller() as *const PartitionBase)).heap }
}

/// The heap's mask: the partition's own CPU flag (a virtual tick never allocates; the mask
/// keeps the kernel from running a deferred tick while the heap lock is held).
fn heap_irq_save() -> bool {
    // SAFETY: as in `heap_of_caller`.
    wells_core::Arch::irq_save(unsafe { &(*(base_of_caller() as *const PartitionBase)).cpu })
}

fn heap_irq_restore(were_enabled: bool) {
    // SAFETY: as in `heap_of_caller`.
    wells_core::Arch::irq_restore(unsafe { &(*(base_of_caller() as *const PartitionBase)).cpu }, were_enabled)
}

/// The partition's environment as its kernel sees it: all of it calls to the hosting kernel.
struct PartitionHost;

impl Host for PartitionHost {
    fn now_ns(&self) -> u64 {
        calls::time_us() * 1000
    }

    /// The virtual timer ticks every [`TICK_US`]; each tick runs the kernel's deadlines, so
    /// nothing needs arming (a deadline is late by less than one period, plus the time the
    /// partition is out of its window).
    fn timer_arm(&self, _deadline_ns: u64) {}

    fn timer_cancel(&self) {}

    fn console_write(&self, text: &[u8]) {
        for chunk in text.chunks(calls::CONSOLE_MAX) {
            calls::console_write(chunk);
        }
    }

    /// Waits for the next virtual interrupt (the kernel runs its tick after).
    fn idle(&self) {
        calls::wait();
    }
}

/// The virtual interrupt handler: records the tick for the kernel (`word` is the CPU).
extern "C" fn on_virtual_interrupt(number: u32, _count: u32, cpu: usize) {
    if number == calls::VIRQ_TIMER {
        // SAFETY: `cpu` is the partition's `PartitionCpu` (given at VIRQ_HANDLER by `start`),
        // alive while the partition runs.
        unsafe { &*(cpu as *const PartitionCpu) }.tick_arrived();
    }
}

/// Why a kernel could not be made in a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartError {
    /// The RAM does not start at a slot base, or is too small for the kernel.
    BadRam,
    /// The hosting kernel refused the virtual interrupt handler or the tick period.
    Refused,
}

/// Makes the partition's kernel in its RAM `[base, end)`, zeroed by the hosting kernel, and
/// starts its virtual tick. Its threads are then created and run with `Kernel::run` by the
/// caller, which is the partition's entry.
pub fn start(base: usize, end: usize) -> Result<Pin<Box<PartitionKernel>>, StartError> {
    let header = core::mem::size_of::<PartitionBase>().next_multiple_of(8);
    if !base.is_multiple_of(SLOT_SIZE) || end <= base || end - base < header + HEAP_MIN + ENTRY_STACK || base_of_caller() != base {
        return Err(StartError::BadRam);
    }
    let at = base as *mut PartitionBase;
    // SAFETY: the partition's own RAM, zeroed and unused below its entry's stack; nothing has
    // allocated yet (this is the first thing the program does).
    let cpu: &'static PartitionCpu = unsafe {
        at.write(PartitionBase { cpu: PartitionCpu::new(), heap: KernelHeap::new(heap_irq_save, heap_irq_restore) });
        (*at).heap.init((base + header) as *mut u8, end - ENTRY_STACK - base - header);
        &(*at).cpu
    };
    if calls::set_virq_handler(on_virtual_interrupt, cpu as *const PartitionCpu as usize) != 0 || calls::set_tick_period(TICK_US) != 0 {
        return Err(StartError::Refused);
    }
    Ok(Kernel::with_policy(cpu, Box::new(PartitionHost), Box::new(ClassicPolicy::default())))
}

/// Room the demo's threads assume between their stack's top and their entry's frame (the
/// kernel's thread start frames): more than they take, so the measure below stays inside the
/// stack and errs towards "used".
const ABOVE_ENTRY: usize = 512;

/// The address of the caller's frame, taken at a thread's entry for [`stack_never_used`].
#[inline(always)]
pub fn frame_address() -> usize {
    let marker = 0u8;
    core::ptr::addr_of!(marker) as usize
}

/// A lower bound of the bytes at the bottom of the calling thread's stack (`size` bytes, its
/// entry's frame at `entry_frame`) that were never written: the partition's RAM starts zeroed,
/// so the first non-zero byte from the bottom is the deepest the stack reached (or an earlier
/// use of that heap block, which only makes the figure smaller).
pub fn stack_never_used(entry_frame: usize, size: usize) -> usize {
    let bottom = entry_frame + ABOVE_ENTRY - size;
    let here = frame_address();
    (bottom..here)
        // SAFETY: between the stack's bottom (at or above it: ABOVE_ENTRY is more than the
        // frames above the entry) and the caller's frame: the thread's own stack, in the
        // partition's RAM; plain byte reads.
        .position(|at| unsafe { (at as *const u8).read_volatile() } != 0)
        .unwrap_or(here - bottom)
}

/// Bytes at the bottom of the entry's stack (the kernel's idle context, at the top of the RAM
/// ending at `end`) never written so far: the RAM starts zeroed and the heap ends below it.
pub fn entry_stack_never_used(end: usize) -> usize {
    let bottom = end - ENTRY_STACK;
    let here = frame_address();
    (bottom..here)
        // SAFETY: the entry's own stack, below the caller's frame, in the partition's RAM;
        // plain byte reads.
        .position(|at| unsafe { (at as *const u8).read_volatile() } != 0)
        .unwrap_or(here - bottom)
}

/// Heap use of the partition the caller runs in.
pub fn heap_stats() -> wells_core::mem::HeapStats {
    heap_of_caller().stats()
}
