//! The board as the core and the shared code see it: its CPU, console and timer, the kernel
//! heap, and the kernel its timer interrupt goes to.

use crate::facts;
use alloc::boxed::Box;
use core::fmt::Write;
use wells_board_common::cmsdk_uart::CmsdkUart;
use wells_board_common::timer_host::{GenericTimer, TimerHost};
use wells_board_common::{irq_restore, irq_save, Console, KernelSlot, Platform};
use wells_core::arch::arm::{self, mode};
use wells_core::arch::armv8r::{mpu, Armv8r};
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::Kernel;

/// EL1 virtual timer private interrupt.
pub(crate) const VIRTUAL_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;
// SAFETY: the board's CMSDK UART, device memory for EL1 in the MPU map (`memory`).
pub(crate) static UART: CmsdkUart = unsafe { CmsdkUart::new(facts::CONSOLE_BASE) };

static CPU: Armv8r = Armv8r;
static SLOT: KernelSlot<Armv8r> = KernelSlot::new();

/// The kernel heap: the linker script's region after the boot stack.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save::<Board>, irq_restore::<Board>);

/// A kernel on this board.
pub type BoardKernel = Kernel<Armv8r>;
/// A kernel created on this board; timer interrupts reach it while it lives.
pub type KernelOnBoard = wells_board_common::KernelOnBoard<Board>;

/// What the application gets: the entry mode and ways to make kernels and print.
pub struct Board {
    /// CPSR mode at entry: 0x1a (HYP, what QEMU gives) or 0x13 (SVC).
    pub entry_mode: u32,
}

impl Board {
    pub(crate) fn new(entry_mode: u32) -> Board {
        Board { entry_mode }
    }

    /// Says where we started and where we run.
    pub(crate) fn announce(&self) {
        let mut out = Console::<Board>::new();
        let _ = writeln!(out, "wells on qemu-mps3-an536 (Cortex-R52): entered in {} mode", mode::name(self.entry_mode));
        if self.entry_mode == mode::HYP {
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
}

impl Platform for Board {
    type Arch = Armv8r;

    fn cpu() -> &'static Armv8r {
        &CPU
    }

    fn slot() -> &'static KernelSlot<Armv8r> {
        &SLOT
    }

    fn console_write(bytes: &[u8]) {
        UART.write(bytes);
    }

    fn wait_for_interrupt() {
        arm::wait_for_interrupt();
    }

    fn timer_cancel() {
        arm::virtual_timer_cancel();
    }

    fn forget_tasks() {
        crate::tasks::TASKS.clear();
    }

    fn new_kernel(&self) -> KernelOnBoard {
        KernelOnBoard::new(Box::new(TimerHost::<Board>::new()))
    }

    fn heap_stats(&self) -> HeapStats {
        HEAP.stats()
    }
}

impl GenericTimer for Board {
    fn counter() -> (u64, u64) {
        arm::counter()
    }

    fn timer_arm(compare: u64) {
        arm::virtual_timer_arm(compare);
    }
}
