//! The board as the core and the shared code see it: its CPU, console and timer, the kernel
//! heap, and the kernel its timer interrupt goes to.

use crate::facts;
use crate::memory::KERNEL_SPACE;
use alloc::boxed::Box;
use core::fmt::Write;
use wells_board_common::gic::Gic;
use wells_board_common::pl011::Pl011;
use wells_board_common::timer_host::{GenericTimer, TimerHost};
use wells_board_common::{irq_restore, irq_save, Console, KernelSlot, Platform};
use wells_core::arch::arm::{self, mode, Armv7a};
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::Kernel;

// SAFETY: the board's GICv2 distributor and CPU interface, mapped as device memory (`memory`).
pub(crate) static GIC: Gic = unsafe { Gic::new(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_CPU_BASE) };
// SAFETY: the board's PL011, mapped as device memory (`memory`).
pub(crate) static UART: Pl011 = unsafe { Pl011::new(facts::CONSOLE_BASE) };
/// PL1 virtual timer private interrupt.
pub(crate) const VIRTUAL_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

static CPU: Armv7a = Armv7a;
static SLOT: KernelSlot<Armv7a> = KernelSlot::new();

/// The kernel heap: the linker script's region after the boot stack.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save::<Board>, irq_restore::<Board>);

/// A kernel on this board.
pub type BoardKernel = Kernel<Armv7a>;
/// A kernel created on this board; timer interrupts reach it while it lives.
pub type KernelOnBoard = wells_board_common::KernelOnBoard<Board>;

/// What the application gets: the entry mode and ways to make kernels and print.
pub struct Board {
    /// CPSR mode at entry: 0x13 (SVC) or 0x1a (HYP).
    pub entry_mode: u32,
}

impl Board {
    pub(crate) fn new(entry_mode: u32) -> Board {
        Board { entry_mode }
    }

    /// Says where we started and where we run.
    pub(crate) fn announce(&self) {
        let mut out = Console::<Board>::new();
        let _ = writeln!(out, "wells on qemu-virt-arm32: entered in {} mode", mode::name(self.entry_mode));
        if crate::exit::is_guest() {
            let _ = writeln!(out, "wells: a guest of the wells hypervisor (it answered VERSION): ends through PSCI");
        }
        if self.entry_mode == mode::HYP {
            let _ = writeln!(out, "wells: HYP configured (no PL1 traps, timer access, CNTVOFF=0), dropped to SVC");
        }
        // Read back, so the line says what the CPU does.
        let sctlr = arm::mmu::sctlr();
        let _ = writeln!(
            out,
            "wells: running in {} mode, MMU {}, WXN {} (short descriptors; text RX, rodata R, data RW-XN)",
            mode::name(arm::current_mode()),
            if sctlr & 1 != 0 { "on" } else { "OFF" },
            if sctlr & (1 << 19) != 0 { "on" } else { "OFF" }
        );
    }
}

impl Platform for Board {
    type Arch = Armv7a;

    fn cpu() -> &'static Armv7a {
        &CPU
    }

    fn slot() -> &'static KernelSlot<Armv7a> {
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
        KERNEL_SPACE.new_kernel(Box::new(TimerHost::<Board>::new()))
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
