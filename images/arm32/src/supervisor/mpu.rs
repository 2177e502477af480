//! The supervisor on an MPU (Cortex-R52, ARMv8-R AArch32, PMSAv8-32), and what the boot says.
//! The kernel's fixed MPU map (least rights, regions 0..5): text read+execute and rodata
//! read-only, kernel RAM (data, bss, stacks, heap) read/write never-execute, the UART and the
//! GIC as device memory, all for EL1 only. Nothing else is reachable, not even by the kernel (no
//! background region): NULL, the bottom of DDR, other devices all fault. Task regions:
//! `mpu_space.rs`.
//!
//! The tasks run the programs of `user/apps` ([`super::apps::t32`]): built for `thumbv7m` as
//! position-independent executables (T32 code runs at EL0 on this CPU too, with the same `svc #0`
//! and number in r7), each task's copy relocated into its own slot of task RAM.

use super::Board;
use crate::facts;
use alloc::boxed::Box;
use core::fmt::Write;
use wells_board_common::Console;
use wells_core::arch::arm::{self, mode};
use wells_core::arch::armv8r::mpu::{self, Region};
use wells_core::Host;

/// The CPU as the core sees it.
pub use wells_core::arch::armv8r::Armv8r as Cpu;
/// A task's memory: a slot of task RAM holding its program and stacks, fenced by MPU regions.
pub type TaskSpace = super::mpu_space::MpuSpace;
/// No shared-object or transaction calls on the MPU boards (their `user/apps` build makes none).
pub const TASK_TRANSACTIONS: bool = false;
/// What a task starts from: a position-independent ELF image of `user/apps`.
pub type Program = &'static [u8];

/// A kernel (there is one address space).
pub(crate) fn new_kernel(host: Box<dyn Host>) -> super::KernelOnBoard {
    super::KernelOnBoard::new(host)
}

/// Says where the image started and where it runs.
pub(crate) fn announce(entry_mode: u32) {
    let mut out = Console::<Board>::new();
    let _ = writeln!(out, "wells on qemu-mps3-an536 (Cortex-R52): entered in {} mode", mode::name(entry_mode));
    if crate::board::is_guest() {
        let _ = writeln!(out, "wells: a partition of the wells hypervisor (it answered VERSION): ends through PSCI");
    }
    if entry_mode == mode::HYP {
        let _ = writeln!(out, "wells: EL2 configured (no EL1 traps, timer access, CNTVOFF=0), dropped to EL1");
    }
    let _ = writeln!(
        out,
        "wells: running in {} mode (EL1), MPU {} (PMSAv8-32, {} regions; text RX, rodata R, kernel RAM RW-XN, all EL1 only)",
        mode::name(arm::current_mode()),
        if mpu::enabled() { "on" } else { "OFF" },
        mpu::regions()
    );
}

/// A fault status (DFSR/IFSR, PMSAv8 format) in words.
pub(crate) fn describe_fault(status: u32) -> &'static str {
    mpu::describe_fault(status)
}

/// Kernel stacks have no guard page under an MPU: a kernel fault is never one.
pub(crate) fn guard_page_hit(_address: usize) -> bool {
    false
}

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

fn kernel(start: usize, end: usize, writable: bool, executable: bool) -> Region {
    Region { start, end, user: false, writable, executable, device: false }
}

fn device((start, size): (usize, usize)) -> Region {
    Region { start, end: start + size, user: false, writable: true, executable: false, device: true }
}

/// The fixed region through which the kernel fills a task's slot while it loads its program
/// (no background region: the kernel reaches task RAM only through a region). Off otherwise.
const LOAD_WINDOW: u32 = mpu::TASK_FIRST - 1;

/// Runs `fill` with `[start, end)` (a free slot of task RAM, in no task's regions) readable and
/// writable for the kernel, interrupts masked so that no other load takes the window meanwhile.
pub(crate) fn with_load_window<R>(start: usize, end: usize, fill: impl FnOnce() -> R) -> R {
    let were_enabled = wells_board_common::irq_save::<Board>();
    mpu::set_fixed(LOAD_WINDOW, &kernel(start, end, true, false)).expect("wells: task slot not 64-byte aligned");
    let result = fill();
    mpu::clear_fixed(LOAD_WINDOW);
    wells_board_common::irq_restore::<Board>(were_enabled);
    result
}

/// Writes the fixed regions and turns the MPU on. Runs once, on the boot stack.
pub(crate) fn enable() {
    let regions = [
        kernel(symbol(&raw const __text_start), symbol(&raw const __text_end), false, true),
        kernel(symbol(&raw const __rodata_start), symbol(&raw const __rodata_end), false, false),
        kernel(symbol(&raw const __data_start), symbol(&raw const __heap_end), true, false),
    ];
    let regions = regions.into_iter().chain(facts::KERNEL_DEVICES.iter().map(|&block| device(block)));
    assert!(mpu::regions() >= mpu::TASK_FIRST + mpu::TASK_REGIONS as u32, "wells: too few MPU regions");
    for (number, region) in regions.enumerate() {
        assert!((number as u32) < LOAD_WINDOW, "wells: too many fixed MPU regions");
        mpu::set_fixed(number as u32, &region).expect("wells: MPU region not 64-byte aligned");
    }
    mpu::activate(0);
    // SAFETY: the regions cover the code, rodata, data, stacks, heap and devices the kernel uses.
    unsafe { mpu::enable() };
}
