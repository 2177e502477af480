//! The board as the core and the shared code see it: its CPU, console and timer, the kernel
//! heap, and the kernel its timer interrupt goes to.

use crate::facts;
use super::memory::KERNEL_SPACE;
use alloc::boxed::Box;
use core::fmt::Write;
use wells_board_common::gic::Gic;
use wells_board_common::pl011::Pl011;
use wells_board_common::timer_host::{GenericTimer, TimerHost};
use wells_board_common::{irq_restore, irq_save, Console, KernelSlot, Platform};
use wells_core::arch::aarch64::{self, Aarch64};
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::Kernel;

// SAFETY: the board's GICv2 distributor and CPU interface, mapped as device memory (`memory`).
pub(crate) static GIC: Gic = unsafe { Gic::new(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_CPU_BASE) };
// SAFETY: the board's PL011, mapped as device memory (`memory`).
#[cfg(not(feature = "secure-world"))]
pub(crate) static UART: Pl011 = unsafe { Pl011::new(facts::CONSOLE_BASE) };
// SAFETY: the secure world prints on the secure PL011 (UART1), which it maps as device memory
// (`memory`); the monitor prints there too, between the secure world's runs.
#[cfg(feature = "secure-world")]
pub(crate) static UART: Pl011 = unsafe { Pl011::new(facts::SECURE_CONSOLE_BASE) };
/// EL1 virtual timer private interrupt.
pub(crate) const VIRTUAL_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

static CPU: Aarch64 = Aarch64;
static SLOT: KernelSlot<Aarch64> = KernelSlot::new();

/// The kernel heap: the linker script's region after the boot stack.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save::<Board>, irq_restore::<Board>);

/// A kernel on this board.
pub type BoardKernel = Kernel<Aarch64>;
/// A kernel created on this board; timer interrupts reach it while it lives.
pub type KernelOnBoard = wells_board_common::KernelOnBoard<Board>;

/// What the application gets: the entry level and ways to make kernels and print.
pub struct Board {
    pub entry_el: u8,
}

impl Board {
    pub(crate) fn new(entry_el: u8) -> Board {
        Board { entry_el }
    }

    /// Says where we started and where we run.
    pub(crate) fn announce(&self) {
        let mut out = Console::<Board>::new();
        #[cfg(not(feature = "secure-world"))]
        let _ = writeln!(out, "wells on qemu-virt-arm64: entered at EL{}", self.entry_el);
        // The monitor entered it with SCR_EL3.NS = 0: this EL1 is the secure one.
        #[cfg(feature = "secure-world")]
        let _ = writeln!(out, "wells on qemu-virt-arm64 (secure world): entered at S-EL{}, in secure DRAM {:#x}", self.entry_el, facts::SECURE_DRAM_BASE);
        if crate::exit::is_guest() {
            let _ = writeln!(out, "wells: a guest of the wells hypervisor (it answered VERSION): ends through PSCI");
        }
        // The two ways up, said plainly: below a wells level this EL1 is all the kernel sets up.
        if cfg!(feature = "secure-world") {
            let _ = writeln!(out, "wells (secure world): join below the wells monitor: EL3, the GIC and the secure timer are the monitor's (left alone); established S-EL1 only");
        } else if crate::exit::is_guest() {
            let _ = writeln!(out, "wells: join below the wells hypervisor: EL2, stage 2 and the GIC distributor are the hypervisor's (left alone); established EL1 only");
        } else if cfg!(feature = "normal-world") {
            let _ = writeln!(out, "wells: join below the wells monitor: EL3 is the monitor's (left alone); EL2 configured, EL1 established");
        } else {
            let _ = writeln!(out, "wells: establish: the levels above configured as far as entered, EL1 established");
        }
        if self.entry_el == 3 {
            let _ = writeln!(out, "wells: EL3 configured (non-secure, AArch64 EL2), dropped to EL2");
        }
        if self.entry_el >= 2 {
            let _ = writeln!(out, "wells: EL2 configured (AArch64 EL1, timer access), dropped to EL1");
        }
        // Read back, so the line says what the CPU does.
        let sctlr = aarch64::el1::mmu::sctlr();
        let _ = writeln!(
            out,
            "wells: running at EL{}, MMU {}, WXN {} (text RX, rodata R, data RW-XN)",
            aarch64::current_el(),
            if sctlr & 1 != 0 { "on" } else { "OFF" },
            if sctlr & (1 << 19) != 0 { "on" } else { "OFF" }
        );
    }
}

impl Platform for Board {
    type Arch = Aarch64;

    fn cpu() -> &'static Aarch64 {
        &CPU
    }

    fn slot() -> &'static KernelSlot<Aarch64> {
        &SLOT
    }

    fn console_write(bytes: &[u8]) {
        UART.write(bytes);
    }

    fn wait_for_interrupt() {
        aarch64::wait_for_interrupt();
    }

    fn timer_cancel() {
        aarch64::virtual_timer_cancel();
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
        aarch64::counter()
    }

    fn timer_arm(compare: u64) {
        aarch64::virtual_timer_arm(compare);
    }

    fn kick_cpu(cpu: usize) {
        if cpu < super::smp::MAX_CPUS {
            GIC.send_sgi(wells_board_common::gic::RESCHEDULE_SGI, 1 << cpu);
        }
    }
}

/// The benchmarks count instructions with the CPU's PMU cycle counter.
impl wells_board_common::bench::Counter for Board {
    type Instructions = aarch64::counter::CycleCounter;
}
