//! The board as the core sees it: the Host implementation over the generic timer and the
//! PL011, the kernel heap, and the kernel instance the timer interrupt goes to.

use crate::pl011;
use alloc::boxed::Box;
use core::fmt::Write;
use core::ops::Deref;
use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, Ordering};
use wells_core::arch::arm::{self, mode, Armv7a};
use wells_core::mem::{HeapStats, KernelHeap};
use wells_core::{Arch, Host, Kernel};

static CPU: Armv7a = Armv7a;

fn irq_save() -> bool {
    CPU.irq_save()
}

fn irq_restore(were_enabled: bool) {
    CPU.irq_restore(were_enabled)
}

/// The kernel heap: the linker script's region after the boot stack.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save, irq_restore);

/// A kernel on this board.
pub type BoardKernel = Kernel<Armv7a>;

/// The kernel timer interrupts go to (one at a time).
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

/// Time, timer and console from the board's own devices.
pub struct BoardHost {
    /// Nanoseconds per counter tick as a 32.32 fixed-point number: the clock is read on every
    /// switch, and a multiply is far cheaper than a 128-bit division.
    ns_per_tick_q32: u64,
}

const NS_PER_S: u128 = 1_000_000_000;

impl BoardHost {
    /// Reads the counter frequency once.
    pub fn new() -> BoardHost {
        let (_, frequency) = arm::counter();
        BoardHost { ns_per_tick_q32: ((NS_PER_S << 32) / frequency.max(1) as u128) as u64 }
    }
}

impl Default for BoardHost {
    fn default() -> Self {
        Self::new()
    }
}

impl Host for BoardHost {
    fn now_ns(&self) -> u64 {
        let (count, _) = arm::counter();
        ((count as u128 * self.ns_per_tick_q32 as u128) >> 32) as u64
    }

    fn timer_arm(&self, deadline_ns: u64) {
        let (_, frequency) = arm::counter();
        // Round up so the interrupt never comes before the deadline.
        let compare = (deadline_ns as u128 * frequency as u128).div_ceil(NS_PER_S);
        arm::virtual_timer_arm(compare.min(u64::MAX as u128) as u64);
    }

    fn timer_cancel(&self) {
        arm::virtual_timer_cancel();
    }

    fn console_write(&self, text: &[u8]) {
        pl011::write(text);
    }

    fn idle(&self) {
        arm::wait_for_interrupt();
    }
}

/// A kernel created on this board; timer interrupts reach it while it lives.
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
        arm::virtual_timer_cancel();
        CPU.irq_restore(were_enabled);
        crate::tasks::clear();
    }
}

/// What the application gets: the entry level and ways to make kernels and print.
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
        let mut out = Console;
        let _ = writeln!(out, "wells on qemu-virt-arm32: entered in {} mode", mode::name(self.entry_mode));
        if self.entry_mode == mode::HYP {
            let _ = writeln!(out, "wells: HYP configured (no PL1 traps, timer access, CNTVOFF=0), dropped to SVC");
        }
        let _ = writeln!(
            out,
            "wells: running in {} mode, MMU on (short descriptors; text RX, rodata R, data RW-XN)",
            mode::name(arm::current_mode())
        );
    }

    /// A fresh kernel that receives this board's timer interrupts (replacing the last one).
    pub fn new_kernel(&self) -> KernelOnBoard {
        let kernel = KernelOnBoard(Kernel::new(&CPU, Box::new(BoardHost::new())));
        let kernel_space = crate::memory::kernel_space().token();
        kernel.domain_set_space(wells_core::domain::DomainId::KERNEL, kernel_space).expect("kernel domain");
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
        pl011::write(text.as_bytes());
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
