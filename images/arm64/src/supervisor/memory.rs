//! The MMU of this board as the shared code uses it: the kernel's address space (least rights
//! for each part of the image, see `wells_board_common::kernel_map`, plus the devices it drives)
//! and the tasks' spaces (ASID = task number), whose code runs in AArch64 or AArch32 at EL0.

use super::Board;
use crate::facts;
use alloc::format;
use alloc::string::String;
use wells_board_common::supervisor::kernel_map::KernelSpace;
use wells_board_common::supervisor::mmu::{Architecture, Mmu};
use wells_core::arch::aarch64::el1::mmu::{self, Access, AddressSpace, Memory};
use wells_core::arch::aarch64::{enter_user, UserMode};

/// The kernel's address space (task spaces share its entries).
pub(crate) static KERNEL_SPACE: KernelSpace<Board> = KernelSpace::new();

/// Builds the kernel's address space and turns the MMU on. Runs once, on the boot stack.
pub(crate) fn enable_mmu() {
    #[cfg(not(feature = "secure-world"))]
    KERNEL_SPACE.enable(facts::KERNEL_DEVICES);
    // The secure world drives only its console, the secure UART.
    #[cfg(feature = "secure-world")]
    KERNEL_SPACE.enable(&[(facts::SECURE_CONSOLE_BASE, facts::SECURE_CONSOLE_SIZE)]);
}

impl Mmu for Board {
    type Space = AddressSpace;
    type Mode = UserMode;

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
        let space = AddressSpace::sharing_kernel(KERNEL_SPACE.get(), asid as u16);
        space.flush_asid();
        space
    }

    fn token(space: &AddressSpace) -> usize {
        space.ttbr() as usize
    }

    fn map(space: &mut AddressSpace, va: usize, pa: usize, size: usize, access: wells_board_common::supervisor::mmu::Access) {
        let kind = if access.device { Memory::Device } else { Memory::Normal };
        let (user, writable, executable) = (access.user, access.writable, access.executable);
        space.map_range(va, pa, size, Access { kind, user, writable, executable });
    }

    fn mode(architecture: Architecture, is_64: bool, entry: usize) -> Result<UserMode, String> {
        match (architecture, is_64) {
            (Architecture::Aarch64, true) => Ok(UserMode::A64),
            (Architecture::Arm, false) => Ok(UserMode::A32 { thumb: entry & 1 == 1 }),
            (arch, _) => Err(format!("unsupported architecture {arch:?}")),
        }
    }

    /// A32 tasks may start Thumb code; A64 has no instruction at an odd address.
    fn thumb_entry(mode: UserMode) -> bool {
        matches!(mode, UserMode::A32 { .. })
    }

    fn enter(mode: UserMode, pc: usize, sp: usize, arg: usize) -> ! {
        let mode = match mode {
            UserMode::A32 { .. } => UserMode::A32 { thumb: pc & 1 == 1 },
            UserMode::A64 => UserMode::A64,
        };
        enter_user(pc & !1, sp, arg, mode)
    }
}
