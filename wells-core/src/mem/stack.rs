//! Thread stacks: memory from the kernel heap, page-aligned with a guard page below when the
//! CPU port can make one (an MMU), and a canary at the bottom of the usable part either way.

use core::alloc::Layout;
use core::ptr::NonNull;

/// Page size stacks with a guard page are aligned to.
pub const PAGE: usize = 4096;
/// Alignment of stacks without one (what every port's ABI asks of a stack pointer, at most).
const ALIGN: usize = 16;

/// What a CPU port offers to guard stacks: making one page inaccessible and accessible again.
pub trait GuardPages: Sync {
    /// Guards (`true`) or releases (`false`) the page at `address`.
    fn set_guard(&self, address: usize, guarded: bool);
}

/// A stack owned by one thread.
pub struct Stack {
    /// The start of the usable part, where the canary lives: every switch reads it. The
    /// allocation starts here or, with a guard page, one page below.
    bottom: NonNull<u64>,
    layout: Layout,
    guard: Option<&'static dyn GuardPages>,
}

// SAFETY: the memory is owned by this value alone; moving it to another thread is moving
// ownership.
unsafe impl Send for Stack {}

impl Stack {
    /// A zeroed stack of `usable` bytes, plus a guard page below it when `guard` is given (the
    /// stack is then rounded up to whole pages); without one, rounded to 16 bytes only, so
    /// small boards (no MMU) spend no RAM on page rounding. The allocation starts at a multiple
    /// of `align` (a power of two) where that is more than the rounding. `None` when the heap
    /// cannot provide it.
    pub fn new(usable: usize, guard: Option<&'static dyn GuardPages>, align: usize) -> Option<Stack> {
        let granule = if guard.is_some() { PAGE } else { ALIGN };
        let guard_bytes = if guard.is_some() { PAGE } else { 0 };
        let usable = usable.checked_next_multiple_of(granule)?;
        let total = usable.checked_add(guard_bytes)?;
        let layout = Layout::from_size_align(total, granule.max(align)).ok()?;
        // SAFETY: `layout` has a non-zero size.
        let base = NonNull::new(unsafe { alloc::alloc::alloc_zeroed(layout) })?;
        if let Some(guard) = guard {
            guard.set_guard(base.as_ptr() as usize, true);
        }
        // Inside the allocation (it is `total` bytes long), so never null.
        let bottom = base.map_addr(|address| address.saturating_add(guard_bytes)).cast::<u64>();
        Some(Stack { bottom, layout, guard })
    }

    /// The start of the allocation (the guard page's, when there is one).
    fn base(&self) -> *mut u8 {
        self.bottom.as_ptr().cast::<u8>().wrapping_sub(self.usable_start())
    }

    fn usable_start(&self) -> usize {
        if self.guard.is_some() {
            PAGE
        } else {
            0
        }
    }

    /// The usable part (what threads run on).
    pub fn as_slice(&self) -> &[u8] {
        let start = self.usable_start();
        // SAFETY: `bottom` up to `base() + layout.size()` is this stack's allocation past the
        // guard page (if any), so the slice never touches an unmapped page.
        unsafe { core::slice::from_raw_parts(self.bottom.as_ptr().cast::<u8>(), self.layout.size() - start) }
    }

    /// The lowest word of the usable part (where the canary lives), read as one aligned load:
    /// a byte-wise compare through [`Stack::as_slice`] costs a switch some 30 instructions on
    /// CPUs without unaligned access.
    #[inline]
    pub fn bottom_word(&self) -> u64 {
        // SAFETY: `bottom` is where the usable part starts, at `base()` or one page above it,
        // both aligned to at least 16 bytes; the part holds at least 16 bytes (`new` rounds it
        // up), so the word is inside the allocation and aligned.
        unsafe { self.bottom.as_ptr().read() }
    }

    /// The usable part, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let start = self.usable_start();
        // SAFETY: as for `as_slice`, and `&mut self` makes it exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.bottom.as_ptr().cast::<u8>(), self.layout.size() - start) }
    }

    /// Address of the guard page, if there is one.
    pub fn guard_page(&self) -> Option<usize> {
        self.guard.map(|_| self.base() as usize)
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(guard) = self.guard {
            guard.set_guard(self.base() as usize, false);
        }
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { alloc::alloc::dealloc(self.base(), self.layout) };
    }
}
