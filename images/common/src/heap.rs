//! The kernel heap's region: what every board's linker script (`boards/layout/`) reserves
//! between `__heap_start` and `__heap_end`.

use wells_core::mem::KernelHeap;

extern "C" {
    static __heap_start: u8;
    static __heap_end: u8;
}

fn region() -> (usize, usize) {
    (&raw const __heap_start as usize, &raw const __heap_end as usize)
}

/// Gives `heap` the region.
///
/// # Safety
/// Once, before any allocation: nothing else may use the region.
pub unsafe fn init(heap: &KernelHeap) {
    let (start, end) = region();
    // SAFETY: the linker script reserves the region for the heap and nothing else uses it; the
    // caller makes this the first and only initialisation.
    unsafe { heap.init(start as *mut u8, end - start) };
}

/// True when `address` lies in the heap (where thread stacks and their guards are).
pub fn contains(address: usize) -> bool {
    let (start, end) = region();
    (start..end).contains(&address)
}
