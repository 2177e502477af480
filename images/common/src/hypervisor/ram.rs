//! A VM's RAM: a zeroed, 2 MiB aligned block of the hypervisor's heap, given back when the VM
//! goes. The hypervisor runs with physical addressing, so the block's address is also the
//! physical address stage 2 maps the guest's RAM to.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::format;
use alloc::string::String;

/// Alignment (and size granule) of guest RAM: one stage-2 block.
pub const GRANULE: usize = 2 << 20;

pub struct GuestRam {
    base: *mut u8,
    layout: Layout,
}

// SAFETY: the block is owned by this value alone; the registry that holds it is locked.
unsafe impl Send for GuestRam {}

impl GuestRam {
    /// `size` bytes of zeroed RAM.
    pub fn new(size: usize) -> Result<GuestRam, String> {
        if size == 0 || !size.is_multiple_of(GRANULE) {
            return Err(format!("RAM size {size:#x} is not a non-zero multiple of 2 MiB"));
        }
        let layout = Layout::from_size_align(size, GRANULE).map_err(|e| format!("RAM size {size:#x}: {e}"))?;
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { alloc_zeroed(layout) };
        if base.is_null() {
            return Err(format!("no {} MiB block left for its RAM", size >> 20));
        }
        Ok(GuestRam { base, layout })
    }

    /// Physical address of the block.
    pub fn address(&self) -> usize {
        self.base as usize
    }

    pub fn size(&self) -> usize {
        self.layout.size()
    }

    /// The whole block.
    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the block is `size` bytes, allocated by `new` and owned by `self`.
        unsafe { core::slice::from_raw_parts_mut(self.base, self.layout.size()) }
    }
}

impl Drop for GuestRam {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { dealloc(self.base, self.layout) }
    }
}
