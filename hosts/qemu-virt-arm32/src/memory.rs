//! The kernel's address space on this board: least rights for every part of the image
//! (text read+execute, rodata read-only, data/bss/stack/heap read+write never-execute), the
//! devices it drives, nothing else. A guard page below the boot stack stays unmapped.

use spin::Once;
use wells_core::arch::arm::mmu::{self, Access, AddressSpace, Memory};

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __boot_stack_guard: u8;
    static __heap_end: u8;
}

/// MMIO this kernel uses: GIC distributor and CPU interface, PL011.
const DEVICES: &[(usize, usize)] = &[(0x0800_0000, 0x1_0000), (0x0801_0000, 0x1_0000), (0x0900_0000, 0x1000)];

static KERNEL_SPACE: Once<AddressSpace> = Once::new();

const fn kernel(writable: bool, executable: bool) -> Access {
    Access { kind: Memory::Normal, user: false, writable, executable }
}

fn symbol(s: &u8) -> usize {
    s as *const u8 as usize
}

/// Builds the kernel's address space and turns the MMU on. Runs once, on the boot stack.
pub(crate) fn enable_mmu() {
    let space = KERNEL_SPACE.call_once(|| {
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
        let mut space = AddressSpace::new(0);
        space.map_range(text, text, text_end - text, kernel(false, true));
        space.map_range(rodata, rodata, rodata_end - rodata, kernel(false, false));
        space.map_range(data, data, guard - data, kernel(true, false));
        let stack = guard + mmu::PAGE;
        space.map_range(stack, stack, end - stack, kernel(true, false));
        for &(base, size) in DEVICES {
            space.map_range(base, base, size, Access { kind: Memory::Device, user: false, writable: true, executable: false });
        }
        space
    });
    // SAFETY: the space maps the code, the boot stack, the heap and the devices, and lives in a
    // static for good.
    unsafe { mmu::enable(space) };
    // From now on every thread stack gets an unmapped guard page below it.
    mmu::set_kernel_space(space);
}

/// True when `address` lies in the kernel heap (where thread stacks and their guards are).
pub fn in_heap(address: usize) -> bool {
    extern "C" {
        static __heap_start: u8;
        static __heap_end: u8;
    }
    // SAFETY: linker-script symbols; only their addresses are used.
    let (start, end) = unsafe { (symbol(&__heap_start), symbol(&__heap_end)) };
    (start..end).contains(&address)
}

/// The kernel's address space (user spaces share its entries).
pub fn kernel_space() -> &'static AddressSpace {
    KERNEL_SPACE.get().expect("wells: MMU not set up")
}
