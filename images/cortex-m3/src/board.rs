//! The board as the core and the shared code see it: the Host implementation over SysTick, the
//! free-running clock and the CMSDK UART, the kernel heap, and the kernel PendSV goes to.

use crate::{clock, facts};
use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use wells_board_common::cmsdk_uart::CmsdkUart;
use wells_board_common::{irq_restore, irq_save, KernelSlot, Platform};
use wells_core::arch::armv7m::{self, scb, Armv7m};
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::{Host, Kernel};

/// External interrupt vectors in the vector table (the AN385's NVIC; none is enabled).
pub(crate) const EXTERNAL_INTERRUPTS: usize = 32;

// SAFETY: the board's CMSDK UART, device memory for the kernel in the MPU map.
pub(crate) static UART: CmsdkUart = unsafe { CmsdkUart::new(facts::CONSOLE_BASE) };

static CPU: Armv7m = Armv7m;
static SLOT: KernelSlot<Armv7m> = KernelSlot::new();

/// The kernel heap: RAM after the image's own data and stacks.
#[cfg_attr(not(feature = "hypervisor"), global_allocator)]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save::<Board>, irq_restore::<Board>);

/// A kernel on this board.
pub type BoardKernel = Kernel<Armv7m>;
/// A kernel created on this board; PendSV reaches it while it lives.
pub type KernelOnBoard = wells_board_common::KernelOnBoard<Board>;

// ---- SysTick: a 1 ms tick counting time; the kernel is entered (PendSV) only at a deadline ----

const SYST_CSR: usize = 0xe000_e010;
const SYST_RVR: usize = 0xe000_e014;
const SYST_CVR: usize = 0xe000_e018;
/// SysTick runs on the 25 MHz processor clock.
const CPU_HZ: u32 = 25_000_000;
const TICK_CYCLES: u32 = CPU_HZ / 1000;
const NS_PER_TICK: u64 = 1_000_000;

static TICKS_LO: AtomicU32 = AtomicU32::new(0);
static TICKS_HI: AtomicU32 = AtomicU32::new(0);
static DEADLINE: AtomicU32 = AtomicU32::new(0);
static ARMED: AtomicBool = AtomicBool::new(false);

pub(crate) fn systick_start() {
    clock::start();
    scb::write(SYST_RVR, TICK_CYCLES - 1);
    scb::write(SYST_CVR, 0);
    // CLKSOURCE (processor clock) | TICKINT | ENABLE.
    scb::write(SYST_CSR, 0b111);
}

/// SysTick handler (priority above the kernel mask): counts the millisecond and pends PendSV
/// when the armed deadline has come.
pub(crate) extern "C" fn wells_board_systick() {
    clock::fold();
    #[cfg(feature = "hypervisor")]
    if PARTITION_TIMER.load(Ordering::Relaxed) {
        systick_one_shot_fired();
        armv7m::pend_kernel_entry();
        return;
    }
    let lo = TICKS_LO.load(Ordering::Relaxed).wrapping_add(1);
    TICKS_LO.store(lo, Ordering::Relaxed);
    if lo == 0 {
        TICKS_HI.fetch_add(1, Ordering::Relaxed);
    }
    if ARMED.load(Ordering::SeqCst) && lo.wrapping_sub(DEADLINE.load(Ordering::SeqCst)) as i32 >= 0 {
        ARMED.store(false, Ordering::SeqCst);
        armv7m::pend_kernel_entry();
    }
}

/// While partitions run (`crate::partitions`), SysTick is their executive's one-shot timer: each
/// interrupt folds the clock and pends PendSV, and the executive sets the next one.
#[cfg(feature = "hypervisor")]
static PARTITION_TIMER: AtomicBool = AtomicBool::new(false);

/// Hands SysTick to the partitions' executive (`true`) or back to the millisecond tick.
#[cfg(feature = "hypervisor")]
pub(crate) fn systick_for_partitions(on: bool) {
    PARTITION_TIMER.store(on, Ordering::SeqCst);
    if !on {
        scb::write(SYST_RVR, TICK_CYCLES - 1);
        scb::write(SYST_CVR, 0);
    }
}

/// The longest SysTick period: its 24-bit counter.
#[cfg(feature = "hypervisor")]
const SYSTICK_MAX_CYCLES: u32 = 0xff_ffff;

/// The executive's timer fired: SysTick is made one-shot by pushing its next interrupt as far
/// as it goes (the clock still folds well within its 171 s). Why: left periodic at the short
/// period of a deadline that was already near or past (2 cycles, 80 ns), it fires again before
/// its own handler ends when QEMU runs in real time, and thread mode, where the executive sets
/// the next deadline, never runs again. The executive arms SysTick before every return to a
/// partition and every wait, so nothing counts on a repeat.
#[cfg(feature = "hypervisor")]
fn systick_one_shot_fired() {
    scb::write(SYST_RVR, SYSTICK_MAX_CYCLES - 1);
    // Writing the current value clears it: the count restarts from the long reload.
    scb::write(SYST_CVR, 0);
}

/// The partitions' executive: the next SysTick interrupt at `deadline_ns` on the board clock
/// (40 ns steps; at least two steps from now, at most SysTick's 24 bits, 0.67 s).
#[cfg(feature = "hypervisor")]
pub(crate) fn systick_at(deadline_ns: u64) {
    const MAX_CYCLES: u32 = SYSTICK_MAX_CYCLES;
    // 32-bit arithmetic, divided by a constant: the same few instructions whatever the distance
    // (a 64-bit division is a library loop whose length varies, and this runs between a window's
    // boundary and its partition's first instruction).
    let ahead = deadline_ns.saturating_sub(clock::now_ns()).min(MAX_CYCLES as u64 * clock::NS_PER_CYCLE) as u32;
    let cycles = (ahead / clock::NS_PER_CYCLE as u32).clamp(2, MAX_CYCLES);
    scb::write(SYST_RVR, cycles - 1);
    // Writing the current value clears it: the count restarts from the new reload.
    scb::write(SYST_CVR, 0);
    // A SysTick pended for the old deadline is dropped with it.
    scb::write(scb::ICSR, 1 << 25);
}

/// Milliseconds counted by the SysTick handler.
fn ticks() -> u64 {
    loop {
        let hi = TICKS_HI.load(Ordering::SeqCst);
        let lo = TICKS_LO.load(Ordering::SeqCst);
        if TICKS_HI.load(Ordering::SeqCst) == hi {
            return ((hi as u64) << 32) | lo as u64;
        }
    }
}

/// Time, timer and console from the board's own devices.
#[derive(Default)]
pub struct BoardHost;

impl Host for BoardHost {
    fn now_ns(&self) -> u64 {
        clock::now_ns()
    }

    fn timer_arm(&self, deadline_ns: u64) {
        // Deadlines are kept in SysTick's milliseconds; the tick may lag the clock by its own
        // interrupt latency, never lead it. (`ms_ceil`: no 64-bit division routine in flash.)
        const _: () = assert!(NS_PER_TICK == wells_core::time::NS_PER_MS);
        let now = ticks();
        let due = wells_core::time::ms_ceil(deadline_ns);
        if due <= now {
            ARMED.store(false, Ordering::SeqCst);
            armv7m::pend_kernel_entry();
            return;
        }
        // Far deadlines are re-armed by the kernel when this one fires.
        let due = due.min(now + (1 << 30));
        DEADLINE.store(due as u32, Ordering::SeqCst);
        ARMED.store(true, Ordering::SeqCst);
    }

    fn timer_cancel(&self) {
        ARMED.store(false, Ordering::SeqCst);
    }

    fn console_write(&self, text: &[u8]) {
        UART.write(text);
    }

    fn idle(&self) {
        armv7m::wait_for_interrupt_masked();
    }

    fn idles_masked(&self) -> bool {
        true
    }
}

/// What the application gets: ways to make kernels and print.
pub struct Board {
    _private: (),
}

impl Board {
    pub(crate) fn new() -> Board {
        Board { _private: () }
    }

    #[cfg(feature = "minimal")]
    pub(crate) fn announce(&self) {
        UART.write(b"wells on qemu-mps2-an385 (Cortex-M3), minimal configuration: kernel threads only\n");
    }

    #[cfg(not(feature = "minimal"))]
    pub(crate) fn announce(&self) {
        use core::fmt::Write;
        let mut out = wells_board_common::Console::<Board>::new();
        let _ = writeln!(out, "wells on qemu-mps2-an385 (Cortex-M3): kernel in privileged thread mode, handlers on MSP");
        if crate::tasks::mpu_on() {
            let _ = writeln!(out, "wells: MPU on (PMSAv7, {} regions): tasks isolated", wells_core::arch::armv7m::mpu::regions());
        } else {
            let _ = writeln!(out, "wells: MPU off: tasks unprivileged but not isolated");
        }
    }
}

impl Platform for Board {
    type Arch = Armv7m;

    /// Kernel-thread stacks: small, RAM is 4 MiB.
    const THREAD_STACK: usize = 4096;
    const TIMER_RESOLUTION_NS: u64 = NS_PER_TICK;

    fn cpu() -> &'static Armv7m {
        &CPU
    }

    fn slot() -> &'static KernelSlot<Armv7m> {
        &SLOT
    }

    fn console_write(bytes: &[u8]) {
        UART.write(bytes);
    }

    fn wait_for_interrupt() {
        armv7m::wait_for_interrupt();
    }

    fn timer_cancel() {
        ARMED.store(false, Ordering::SeqCst);
    }


    fn new_kernel(&self) -> KernelOnBoard {
        KernelOnBoard::new(Box::new(BoardHost))
    }

    fn heap_stats(&self) -> HeapStats {
        HEAP.stats()
    }
}

/// Prints to the board console.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::common::println!($crate::Board, $($arg)*)
    };
}

/// Kernel heap use (for code without the `Board`, such as threads).
pub fn heap_stats() -> HeapStats {
    HEAP.stats()
}
