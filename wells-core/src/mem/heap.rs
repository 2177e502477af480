//! The kernel heap: `linked_list_allocator` over one region given at init, with statistics.
//!
//! The embedding crate (the C library, a board image) declares one `KernelHeap` as its global
//! allocator and gives it the region: from the host's `mem_alloc` when wells joins an OS, from
//! the linker script's RAM when it establishes a board. Allocation masks wells' interrupts so a
//! tick cannot preempt a thread holding the heap lock.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{null_mut, NonNull};
use linked_list_allocator::Heap;

/// A snapshot of heap use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapStats {
    pub total: usize,
    pub used: usize,
    pub free: usize,
    pub peak_used: usize,
    /// Allocations not yet freed.
    pub allocations: u64,
    /// Allocations made since the region was given, freed or not: a static configuration
    /// proves it allocates nothing after sealing by this count not moving.
    pub allocations_total: u64,
}

struct Inner {
    heap: Heap,
    allocations: u64,
    allocations_total: u64,
    peak_used: usize,
}

/// The kernel heap, usable as `#[global_allocator]`.
pub struct KernelHeap {
    inner: spin::Mutex<Inner>,
    irq_save: fn() -> bool,
    irq_restore: fn(bool),
}

impl KernelHeap {
    /// An empty heap (every allocation fails until [`KernelHeap::init`]); `irq_save` and
    /// `irq_restore` mask and unmask the embedding kernel's interrupts.
    pub const fn new(irq_save: fn() -> bool, irq_restore: fn(bool)) -> Self {
        KernelHeap {
            inner: spin::Mutex::new(Inner { heap: Heap::empty(), allocations: 0, allocations_total: 0, peak_used: 0 }),
            irq_save,
            irq_restore,
        }
    }

    fn locked<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let (were_enabled, mut inner) = self.lock();
        let r = f(&mut inner);
        drop(inner);
        (self.irq_restore)(were_enabled);
        r
    }

    /// Masks interrupts and takes the lock; returns whether interrupts were enabled. A hint,
    /// not forced: speed-first builds inline it, the size-first one keeps one copy of the spin
    /// lock for the heap's four entries.
    #[inline]
    fn lock(&self) -> (bool, spin::MutexGuard<'_, Inner>) {
        let were_enabled = (self.irq_save)();
        (were_enabled, self.inner.lock())
    }

    /// Gives the heap its region.
    ///
    /// # Safety
    /// `start..start + size` must be writable memory used by nothing else until
    /// [`KernelHeap::release`], and the heap must be empty (never given a region, or released).
    pub unsafe fn init(&self, start: *mut u8, size: usize) {
        self.locked(|inner| {
            // SAFETY: the caller hands over exclusive use of the region.
            unsafe { inner.heap.init(start, size) };
            inner.allocations = 0;
            inner.allocations_total = 0;
            inner.peak_used = 0;
        })
    }

    /// Forgets the region (every allocation must have been freed or abandoned) and returns the
    /// statistics just before, so the caller can report leaks.
    pub fn release(&self) -> HeapStats {
        let stats = self.stats();
        self.locked(|inner| inner.heap = Heap::empty());
        stats
    }

    /// Current statistics.
    pub fn stats(&self) -> HeapStats {
        self.locked(|inner| HeapStats {
            total: inner.heap.size(),
            used: inner.heap.used(),
            free: inner.heap.free(),
            peak_used: inner.peak_used,
            allocations: inner.allocations,
            allocations_total: inner.allocations_total,
        })
    }
}

// SAFETY: allocation and release go through `linked_list_allocator::Heap` under one lock, with
// interrupts masked so no tick re-enters it; a failed allocation returns null as required.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.locked(|inner| match inner.heap.allocate_first_fit(layout) {
            Ok(ptr) => {
                inner.allocations += 1;
                inner.allocations_total += 1;
                inner.peak_used = inner.peak_used.max(inner.heap.used());
                ptr.as_ptr()
            }
            Err(()) => null_mut(),
        })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(ptr) = NonNull::new(ptr) else { return };
        self.locked(|inner| {
            // SAFETY: `GlobalAlloc` guarantees `ptr` came from `alloc` with this layout.
            unsafe { inner.heap.deallocate(ptr, layout) };
            inner.allocations -= 1;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_irq() -> bool {
        false
    }
    fn restore(_: bool) {}

    #[test]
    fn counts_allocations_and_peak() {
        let mut region = vec![0u64; 4096];
        let heap = KernelHeap::new(no_irq, restore);
        // SAFETY: the region outlives the heap's use of it and is used by nothing else.
        unsafe { heap.init(region.as_mut_ptr().cast(), region.len() * 8) };
        let layout = Layout::from_size_align(1000, 8).unwrap();
        // SAFETY: plain use of the allocator API with a non-zero layout.
        let (a, b) = unsafe { (heap.alloc(layout), heap.alloc(layout)) };
        assert!(!a.is_null() && !b.is_null());
        assert_eq!(heap.stats().allocations, 2);
        // SAFETY: `a` and `b` came from `alloc` with `layout`.
        unsafe { heap.dealloc(a, layout); heap.dealloc(b, layout) };
        let stats = heap.stats();
        assert_eq!((stats.allocations, stats.allocations_total, stats.used), (0, 2, 0));
        assert!(stats.peak_used >= 2000);
        let big = Layout::from_size_align(1 << 20, 8).unwrap();
        // SAFETY: as above; a failed allocation must give null.
        assert!(unsafe { heap.alloc(big) }.is_null());
        assert_eq!(heap.release().allocations, 0);
    }
}
