//! The board as the core sees it: the Host implementation over SysTick and the CMSDK UART, the
//! kernel heap, and the kernel instance PendSV goes to.

use crate::uart;
use alloc::boxed::Box;
use core::fmt::Write;
use core::ops::Deref;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};
use wells_core::arch::armv7m::{self, scb, Armv7m};
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::{Arch, Host, Kernel};

pub(crate) static CPU: Armv7m = Armv7m;

fn irq_save() -> bool {
    CPU.irq_save()
}

fn irq_restore(were_enabled: bool) {
    CPU.irq_restore(were_enabled)
}

/// The kernel heap: RAM after the image's own data and stacks.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save, irq_restore);

/// A kernel on this board.
pub type BoardKernel = Kernel<Armv7m>;

static CURRENT: AtomicPtr<BoardKernel> = AtomicPtr::new(core::ptr::null_mut());

/// The kernel of this board, for code running in its threads (which only run while it lives).
pub fn kernel() -> &'static BoardKernel {
    current_kernel().expect("wells: no kernel on this board")
}

/// The kernel receiving timer interrupts now, if any.
pub(crate) fn current_kernel() -> Option<&'static BoardKernel> {
    // SAFETY: a non-null pointer is the kernel of a live `KernelOnBoard`, which clears it (with
    // interrupts masked) before the kernel is freed.
    unsafe { CURRENT.load(Ordering::Acquire).as_ref() }
}

// ---- SysTick: a 1 ms tick counting time; the kernel is entered (PendSV) only at a deadline ----

const SYST_CSR: usize = 0xe000_e010;
const SYST_RVR: usize = 0xe000_e014;
const SYST_CVR: usize = 0xe000_e018;
/// SysTick runs on the 25 MHz processor clock.
const CPU_HZ: u32 = 25_000_000;
const TICK_CYCLES: u32 = CPU_HZ / 1000;
const NS_PER_CYCLE: u32 = 1_000_000_000 / CPU_HZ;
const NS_PER_TICK: u64 = 1_000_000;

static TICKS_LO: AtomicU32 = AtomicU32::new(0);
static TICKS_HI: AtomicU32 = AtomicU32::new(0);
static DEADLINE: AtomicU32 = AtomicU32::new(0);
static ARMED: AtomicBool = AtomicBool::new(false);

pub(crate) fn systick_start() {
    scb::write(SYST_RVR, TICK_CYCLES - 1);
    scb::write(SYST_CVR, 0);
    // CLKSOURCE (processor clock) | TICKINT | ENABLE.
    scb::write(SYST_CSR, 0b111);
}

/// SysTick handler (priority above the kernel mask): counts the millisecond and pends PendSV
/// when the armed deadline has come.
#[no_mangle]
extern "C" fn wells_board_systick() {
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

/// Milliseconds since start and cycles into the current one.
fn ticks_and_cycles() -> (u64, u32) {
    loop {
        let hi = TICKS_HI.load(Ordering::SeqCst);
        let lo = TICKS_LO.load(Ordering::SeqCst);
        let cvr = scb::read(SYST_CVR);
        let pending = scb::read(scb::ICSR) & scb::ICSR_PENDSTSET != 0;
        if TICKS_LO.load(Ordering::SeqCst) != lo || TICKS_HI.load(Ordering::SeqCst) != hi {
            continue;
        }
        let ticks = ((hi as u64) << 32) | lo as u64;
        if pending {
            // Wrapped but not counted yet (we run above SysTick's priority).
            return (ticks + 1, TICK_CYCLES - 1 - scb::read(SYST_CVR));
        }
        return (ticks, TICK_CYCLES - 1 - cvr);
    }
}

/// Time, timer and console from the board's own devices.
#[derive(Default)]
pub struct BoardHost;

impl Host for BoardHost {
    fn now_ns(&self) -> u64 {
        let (ticks, cycles) = ticks_and_cycles();
        ticks * NS_PER_TICK + (cycles * NS_PER_CYCLE) as u64
    }

    fn timer_arm(&self, deadline_ns: u64) {
        let (now, _) = ticks_and_cycles();
        let due = deadline_ns.div_ceil(NS_PER_TICK);
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
        uart::write(text);
    }

    fn idle(&self) {
        armv7m::wait_for_interrupt();
    }
}

/// A kernel created on this board; PendSV reaches it while it lives.
pub struct KernelOnBoard(Pin<Box<BoardKernel>>);

impl Deref for KernelOnBoard {
    type Target = BoardKernel;
    fn deref(&self) -> &BoardKernel {
        &self.0
    }
}

impl Drop for KernelOnBoard {
    fn drop(&mut self) {
        let were_enabled = CPU.irq_save();
        CURRENT.store(core::ptr::null_mut(), Ordering::Release);
        ARMED.store(false, Ordering::SeqCst);
        CPU.irq_restore(were_enabled);
        crate::tasks::clear();
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

    pub(crate) fn announce(&self) {
        let mut out = Console;
        let _ = writeln!(out, "wells on qemu-mps2-an385 (Cortex-M3): kernel in privileged thread mode, handlers on MSP");
        if crate::tasks::mpu_on() {
            let _ = writeln!(out, "wells: MPU on (PMSAv7, {} regions): tasks isolated", wells_core::arch::armv7m::mpu::regions());
        } else {
            let _ = writeln!(out, "wells: MPU off: tasks unprivileged but not isolated");
        }
    }

    /// A fresh kernel that receives this board's timer (replacing the last one).
    pub fn new_kernel(&self) -> KernelOnBoard {
        let kernel = KernelOnBoard(Kernel::new(&CPU, Box::new(BoardHost)));
        CURRENT.store(&*kernel as *const BoardKernel as *mut BoardKernel, Ordering::Release);
        kernel
    }

    /// Kernel heap use.
    pub fn heap_stats(&self) -> HeapStats {
        HEAP.stats()
    }
}

/// The console as a `fmt::Write`; each write goes out whole.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let were_enabled = CPU.irq_save();
        uart::write(text.as_bytes());
        CPU.irq_restore(were_enabled);
        Ok(())
    }
}

/// Prints to the board console.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::board::Console, $($arg)*);
    }};
}

/// Kernel heap use (for code without the `Board`, such as threads).
pub fn heap_stats() -> HeapStats {
    HEAP.stats()
}
