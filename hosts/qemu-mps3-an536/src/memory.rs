//! The kernel's fixed MPU map (least rights, regions 0..5): text read+execute and rodata
//! read-only for EL1 and EL0 (the task programs are built into the image), kernel RAM (data,
//! bss, stacks, heap) read/write never-execute for EL1 only, the UART and the GIC as device
//! memory for EL1 only. Nothing else is reachable, not even by the kernel (no background
//! region): NULL, the bottom of DDR, other devices all fault. Task regions: `tasks::space`.

use crate::facts;
use wells_core::arch::armv8r::mpu::{self, Region};

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __heap_end: u8;
}

fn symbol(s: *const u8) -> usize {
    s as usize
}

/// `[start, end)` of the image part tasks may read: text and rodata.
pub(crate) fn user_readable() -> (usize, usize) {
    (symbol(&raw const __text_start), symbol(&raw const __rodata_end))
}

fn kernel(start: usize, end: usize, writable: bool, executable: bool) -> Region {
    Region { start, end, user: false, writable, executable, device: false }
}

fn device((start, size): (usize, usize)) -> Region {
    Region { start, end: start + size, user: false, writable: true, executable: false, device: true }
}

/// Writes the fixed regions and turns the MPU on. Runs once, on the boot stack.
pub(crate) fn enable_mpu() {
    let regions = [
        Region { user: true, ..kernel(symbol(&raw const __text_start), symbol(&raw const __text_end), false, true) },
        Region { user: true, ..kernel(symbol(&raw const __rodata_start), symbol(&raw const __rodata_end), false, false) },
        kernel(symbol(&raw const __data_start), symbol(&raw const __heap_end), true, false),
    ];
    let regions = regions.into_iter().chain(facts::KERNEL_DEVICES.iter().map(|&block| device(block)));
    assert!(mpu::regions() >= mpu::TASK_FIRST + mpu::TASK_REGIONS as u32, "wells: too few MPU regions");
    for (number, region) in regions.enumerate() {
        mpu::set_fixed(number as u32, &region).expect("wells: MPU region not 64-byte aligned");
    }
    mpu::activate(0);
    // SAFETY: the regions cover the code, rodata, data, stacks, heap and devices the kernel uses.
    unsafe { mpu::enable() };
}
