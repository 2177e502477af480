//! The supervisor on an MPU (Cortex-R52, ARMv8-R AArch32, PMSAv8-32), and what the boot says.
//! The kernel's fixed MPU map (least rights, regions 0..5): text read+execute and rodata
//! read-only for EL1 and EL0 (the task programs are built into the image), kernel RAM (data,
//! bss, stacks, heap) read/write never-execute for EL1 only, the UART and the GIC as device
//! memory for EL1 only. Nothing else is reachable, not even by the kernel (no background
//! region): NULL, the bottom of DDR, other devices all fault. Task regions: `mpu_space.rs`.
//!
//! The tasks' code is built into this image: the programs of the Cortex-M3 board
//! (`images/cortex-m3/src/tasks/programs.rs`, included as it is — plain Rust over the calls
//! of `user/wells-user`, whose `svc #0` with the number in r7 is the same trap and ABI in A32),
//! since without an MMU every task would need its own link address for the `user/apps` ELF
//! programs.

use super::Board;
use crate::facts;
use alloc::boxed::Box;
use core::fmt::Write;
use wells_board_common::Console;
use wells_core::arch::arm::{self, mode};
use wells_core::arch::armv8r::mpu::{self, Region};
use wells_core::Host;

#[path = "../../../cortex-m3/src/tasks/programs.rs"]
pub mod programs;

/// The CPU as the core sees it.
pub use wells_core::arch::armv8r::Armv8r as Cpu;
/// A task's memory: stack slots, one MPU region each.
pub type TaskSpace = super::mpu_space::MpuSpace;
/// The built-in programs make no shared-object or transaction calls.
pub const TASK_TRANSACTIONS: bool = false;
/// The code a task's thread starts at: `arg` in r0; it must end with the `exit` call.
pub type Program = extern "C" fn(usize) -> !;

/// A kernel (there is one address space).
pub(crate) fn new_kernel(host: Box<dyn Host>) -> super::KernelOnBoard {
    super::KernelOnBoard::new(host)
}

/// Says where the image started and where it runs.
pub(crate) fn announce(entry_mode: u32) {
    let mut out = Console::<Board>::new();
    let _ = writeln!(out, "wells on qemu-mps3-an536 (Cortex-R52): entered in {} mode", mode::name(entry_mode));
    if entry_mode == mode::HYP {
        let _ = writeln!(out, "wells: EL2 configured (no EL1 traps, timer access, CNTVOFF=0), dropped to EL1");
    }
    let _ = writeln!(
        out,
        "wells: running in {} mode (EL1), MPU {} (PMSAv8-32, {} regions; text RX, rodata R, kernel RAM RW-XN EL1 only)",
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
pub(crate) fn enable() {
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
