//! The board as the core and the shared code see it: its CPU, console and timer, the kernel
//! heap, and the kernel its timer interrupt goes to. What differs between the MMU (Cortex-A15)
//! and the MPU (Cortex-R52) is in `mmu.rs` / `mpu.rs` ([`protection`]).

use super::protection::{self, Cpu};
use crate::board::UART;
use crate::facts;
use wells_board_common::timer_host::{GenericTimer, TimerHost};
use wells_board_common::{irq_restore, irq_save, KernelSlot, Platform};
use wells_core::arch::arm;
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::Kernel;

/// The EL1 (PL1) virtual timer's private interrupt.
pub(crate) const VIRTUAL_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

static CPU: Cpu = Cpu;
static SLOT: KernelSlot<Cpu> = KernelSlot::new();

/// The kernel heap: the linker script's region after the boot stack.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save::<Board>, irq_restore::<Board>);

/// A kernel on this board.
pub type BoardKernel = Kernel<Cpu>;
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
        protection::announce(self.entry_mode);
    }
}

impl Platform for Board {
    type Arch = Cpu;

    fn cpu() -> &'static Cpu {
        &CPU
    }

    fn slot() -> &'static KernelSlot<Cpu> {
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


    fn new_kernel(&self) -> KernelOnBoard {
        protection::new_kernel(alloc::boxed::Box::new(TimerHost::<Board>::new()))
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

    #[cfg(feature = "qemu-virt")]
    fn kick_cpu(cpu: usize) {
        if cpu < wells_board_common::smp_bring_up::MAX_CPUS {
            crate::board::GIC.send_sgi(wells_board_common::gic::RESCHEDULE_SGI, 1 << cpu);
        }
    }
}

/// The benchmarks count instructions with the CPU's counter: the Cortex-A15's PMU cycle counter;
/// on the Cortex-R52, which QEMU models without a PMU, the generic timer in virtual ns.
impl wells_board_common::bench::Counter for Board {
    #[cfg(feature = "qemu-virt")]
    type Instructions = arm::counter::CycleCounter;
    #[cfg(feature = "mps3-an536")]
    type Instructions = wells_core::arch::armv8r::counter::TimerCounter;
}
