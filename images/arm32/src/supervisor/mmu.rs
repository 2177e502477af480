//! The supervisor on an MMU (Cortex-A15, ARMv7-A; short descriptors, see
//! `wells_core::arch::arm::pl1::mmu`): the kernel's address space (least rights for each part of the
//! image, see `wells_board_common::kernel_map`, plus the devices it drives), the tasks' spaces
//! (8-bit ASID = task number) whose A32/T32 code runs in USR mode, and what the boot says.

use super::Board;
use crate::facts;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use core::fmt::Write;
use wells_board_common::supervisor::kernel_map::KernelSpace;
use wells_board_common::supervisor::mmu::{Architecture, Mmu};
use wells_board_common::supervisor::paged::PagedSpace;
use wells_board_common::{heap, Console};
use wells_core::arch::arm::exceptions::FaultStatus;
use wells_core::arch::arm::pl1::mmu::{self, Access, AddressSpace, Memory};
use wells_core::arch::arm::{self, enter_user, mode};
use wells_core::Host;

/// The CPU as the core sees it.
pub use wells_core::arch::arm::Armv7a as Cpu;
/// A task's memory: pages of its own address space.
pub type TaskSpace = PagedSpace<Board>;
/// The `user/apps` programs make every call.
pub const TASK_TRANSACTIONS: bool = true;

/// The kernel's address space (task spaces share its entries).
pub(crate) static KERNEL_SPACE: KernelSpace<Board> = KernelSpace::new();

/// Builds the kernel's address space and turns the MMU on. Runs once, on the boot stack.
pub(crate) fn enable() {
    KERNEL_SPACE.enable(facts::KERNEL_DEVICES);
}

/// A kernel in the kernel's address space.
pub(crate) fn new_kernel(host: Box<dyn Host>) -> super::KernelOnBoard {
    KERNEL_SPACE.new_kernel(host)
}

/// Says where the image started and where it runs.
pub(crate) fn announce(entry_mode: u32) {
    let mut out = Console::<Board>::new();
    let _ = writeln!(out, "wells on qemu-virt-arm32: entered in {} mode", mode::name(entry_mode));
    if crate::board::is_guest() {
        let _ = writeln!(out, "wells: a guest of the wells hypervisor (it answered VERSION): ends through PSCI");
    }
    if entry_mode == mode::HYP {
        let _ = writeln!(out, "wells: HYP configured (no PL1 traps, timer access, CNTVOFF=0), dropped to SVC");
    }
    // Read back, so the line says what the CPU does.
    let sctlr = mmu::sctlr();
    let _ = writeln!(
        out,
        "wells: running in {} mode, MMU {}, WXN {} (short descriptors; text RX, rodata R, data RW-XN)",
        mode::name(arm::current_mode()),
        if sctlr & 1 != 0 { "on" } else { "OFF" },
        if sctlr & (1 << 19) != 0 { "on" } else { "OFF" }
    );
}

/// A fault status (DFSR/IFSR, short-descriptor format) in words.
pub(crate) fn describe_fault(status: u32) -> &'static str {
    FaultStatus::describe(status)
}

/// Whether a kernel data abort at `address` hit the unmapped guard page below a thread stack.
pub(crate) fn guard_page_hit(address: usize) -> bool {
    !mmu::kernel_mapped(address) && heap::contains(address)
}

impl Mmu for Board {
    type Space = AddressSpace;
    /// One way in: USR mode, Thumb when bit 0 of the entry point is set.
    type Mode = ();

    fn kernel_space() -> AddressSpace {
        AddressSpace::new(0)
    }

    fn enable(space: &'static AddressSpace) {
        // SAFETY: the space maps the code, the boot stack, the heap and the devices, and lives in
        // a static for good.
        unsafe { mmu::enable(space) };
        // From now on every thread stack gets an unmapped guard page below it.
        mmu::set_kernel_space(space);
    }

    fn task_space(asid: usize) -> AddressSpace {
        let space = AddressSpace::sharing_kernel(KERNEL_SPACE.get(), asid as u8);
        space.flush_asid();
        space
    }

    fn token(space: &AddressSpace) -> usize {
        space.token()
    }

    fn map(space: &mut AddressSpace, va: usize, pa: usize, size: usize, access: wells_board_common::supervisor::mmu::Access) {
        let kind = if access.device { Memory::Device } else { Memory::Normal };
        let (user, writable, executable) = (access.user, access.writable, access.executable);
        space.map_range(va, pa, size, Access { kind, user, writable, executable });
    }

    fn mode(architecture: Architecture, is_64: bool, _entry: usize) -> Result<(), String> {
        match (architecture, is_64) {
            (Architecture::Arm, false) => Ok(()),
            (arch, _) => Err(format!("unsupported architecture {arch:?} (32-bit Arm only)")),
        }
    }

    /// The Cortex-A15 runs Thumb: bit 0 picks it.
    fn thumb_entry(_: ()) -> bool {
        true
    }

    fn enter(_: (), pc: usize, sp: usize, arg: usize) -> ! {
        enter_user(pc & !1, sp, arg, pc & 1 == 1)
    }
}
