//! The image's allocator once partitions exist: the hosting kernel allocates from its heap,
//! a partition running wells ([`super::wells_os`]) from the heap in its own RAM. Which one is
//! told by the CPU mode: partitions alone run in unprivileged thread mode (the supervisor's
//! user tasks, also unprivileged, never allocate: they are separate programs).

use crate::board::HEAP;
use core::alloc::{GlobalAlloc, Layout};
use wells_core::arch::armv7m::partition_cpu::in_partition;

struct SplitHeap;

#[global_allocator]
static ALLOCATOR: SplitHeap = SplitHeap;

// SAFETY: each request goes whole to one `KernelHeap`, and a block is freed by the heap that
// gave it: a partition's blocks are made and freed only by code running in that partition.
unsafe impl GlobalAlloc for SplitHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let heap = if in_partition() { super::wells_os::heap_of_caller() } else { &HEAP };
        // SAFETY: forwarded contract of `GlobalAlloc::alloc`.
        unsafe { heap.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let heap = if in_partition() { super::wells_os::heap_of_caller() } else { &HEAP };
        // SAFETY: forwarded contract of `GlobalAlloc::dealloc`.
        unsafe { heap.dealloc(ptr, layout) }
    }
}
