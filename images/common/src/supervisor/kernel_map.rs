//! The kernel's address space on MMU boards: least rights for every part of the image (text
//! read+execute, rodata read-only, data/bss/stack/heap read+write never-execute), the devices it
//! drives, nothing else; the guard page below the boot stack stays unmapped. The parts come from
//! the symbols the shared linker layout (`boards/layout/ram.ld`) defines.

use crate::supervisor::mmu::{Access, Mmu, PAGE};
use crate::{KernelOnBoard, Platform};
use alloc::boxed::Box;
use spin::Once;
use wells_core::domain::DomainId;
use wells_core::Host;

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __boot_stack_guard: u8;
    static __heap_end: u8;
}

/// Text: read+execute.
const TEXT: Access = Access { device: false, user: false, writable: false, executable: true };
const READ_ONLY: Access = Access { device: false, user: false, writable: false, executable: false };
/// Read+write, never execute.
const READ_WRITE: Access = Access { device: false, user: false, writable: true, executable: false };
const DEVICE: Access = Access { device: true, user: false, writable: true, executable: false };

/// Calls `map(start, size, access)` for every identity mapping the kernel needs: the image
/// parts, then each of `devices` (base, size).
fn map_kernel(devices: &[(usize, usize)], mut map: impl FnMut(usize, usize, Access)) {
    // SAFETY: linker-script symbols; only their addresses are used.
    let (text, text_end, rodata, rodata_end, data, guard, end) = unsafe {
        (
            symbol(&__text_start),
            symbol(&__text_end),
            symbol(&__rodata_start),
            symbol(&__rodata_end),
            symbol(&__data_start),
            symbol(&__boot_stack_guard),
            symbol(&__heap_end),
        )
    };
    map(text, text_end - text, TEXT);
    map(rodata, rodata_end - rodata, READ_ONLY);
    map(data, guard - data, READ_WRITE);
    let stack = guard + PAGE;
    map(stack, end - stack, READ_WRITE);
    for &(base, size) in devices {
        map(base, size, DEVICE);
    }
}

/// The kernel's address space of a board with MMU port `M`; each such board has one, in a static.
pub struct KernelSpace<M: Mmu>(Once<M::Space>);

impl<M: Mmu> KernelSpace<M> {
    pub const fn new() -> Self {
        KernelSpace(Once::new())
    }

    /// Builds the space (the image and `devices`, each a base and a size) and turns the MMU on
    /// with it. Runs once, on the boot stack.
    pub fn enable(&'static self, devices: &[(usize, usize)]) {
        let space = self.0.call_once(|| {
            let mut space = M::kernel_space();
            map_kernel(devices, |start, size, access| M::map(&mut space, start, start, size, access));
            space
        });
        M::enable(space);
    }

    /// The kernel's space (task spaces share its entries).
    pub fn get(&self) -> &M::Space {
        self.0.get().expect("wells: MMU not set up")
    }

    /// A kernel of board `P` on `host` whose own domain runs in this space.
    pub fn new_kernel<P: Platform>(&self, host: Box<dyn Host>) -> KernelOnBoard<P> {
        let kernel = KernelOnBoard::new(host);
        kernel.domain_set_space(DomainId::KERNEL, M::token(self.get())).expect("kernel domain");
        kernel
    }
}

impl<M: Mmu> Default for KernelSpace<M> {
    fn default() -> Self {
        Self::new()
    }
}

fn symbol(s: &u8) -> usize {
    s as *const u8 as usize
}
