//! How an image lays itself out in the board's memory: what its build script asks for. The
//! board description gives the addresses; the layout the sizes. Three shared linker scripts do
//! the placing (`boards/layout/`): `ram.ld` for images loaded into RAM, `xip.ld` for images
//! executed in place from flash with their data in RAM, `monitor.ld` for an EL3 monitor in the
//! secure flash with its data in secure SRAM.

/// Where the kernel heap ends.
#[derive(Clone, Copy, Debug)]
pub enum Heap {
    /// No heap.
    None,
    /// This many bytes after the boot stack.
    Size(u64),
    /// Up to the end of RAM, the image given this much RAM (QEMU's `-m`) when the board's RAM
    /// size is not fixed.
    RestOfRam { ram_size: Option<u64> },
}

/// An image's sizes and where it is linked.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Linked at the address a VM of the wells hypervisor loads it to (the description's
    /// `[guest]`), rather than the board's own.
    pub as_guest: bool,
    /// A monitor (EL3): runs in place from the board's secure flash, its data and stack in
    /// secure SRAM (`[secure]`; `monitor.ld`).
    pub secure: bool,
    /// A normal-world image run below a monitor: linked at the description's `[secure]`
    /// `normal-world-image` rather than its `[ram]` image address.
    pub below_monitor: bool,
    /// The secure world's supervisor run beside the normal world below a monitor (S-EL1):
    /// linked at the start of the description's `[secure]` DRAM, where the monitor enters it.
    pub secure_world: bool,
    /// The boot stack.
    pub stack: u64,
    /// An unmapped page below the boot stack (0: none), so that an overflow faults.
    pub stack_guard: u64,
    /// Cortex-M: the handler-mode stack beside the boot stack.
    pub handler_stack: u64,
    pub heap: Heap,
    /// The heap's start alignment.
    pub heap_align: u64,
    /// RAM for MPU tasks' stack slots past the heap (`.task_ram`).
    pub task_ram: bool,
    /// Linked here instead of the board's image address (the Cortex-R52 hypervisor, which
    /// leaves that address to a partition running the board's own images).
    pub image_base: Option<u64>,
}

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;

impl Layout {
    /// A kernel image: a boot stack of `stack` bytes and a heap; 4 KiB alignment, no guard page.
    pub const fn kernel(stack: u64, heap: Heap) -> Layout {
        Layout { as_guest: false, secure: false, below_monitor: false, secure_world: false, stack, stack_guard: 0, handler_stack: 0, heap, heap_align: 4 * KIB, task_ram: false, image_base: None }
    }
}
