//! x86_64 hosted port: wells threads on their own stacks inside a host process or kernel.
//!
//! Free of libc so the Linux kernel module reuses it. There are no interrupts of our own: the
//! host delivers timer events by calling `Kernel::tick` (from a signal handler, an hrtimer...),
//! so the interrupt mask is a flag, and a tick arriving while it is set is deferred until the
//! mask is lifted.

use super::Arch;
use crate::mem::GuardPages;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Guard pages the host makes (`mprotect` in a process), when its embedder installs a way to.
pub struct HostGuardPages {
    /// The embedder's `fn(address, guarded)`, or null.
    set: AtomicPtr<()>,
}

/// The one host guard-page maker of hosted ports.
pub static HOST_GUARD_PAGES: HostGuardPages = HostGuardPages { set: AtomicPtr::new(core::ptr::null_mut()) };

impl HostGuardPages {
    /// Installs (or, with `None`, removes) the host's guard-page maker. Stacks made while one
    /// is installed get a guard page; remove it only once they are all gone.
    pub fn install(&self, set: Option<fn(usize, bool)>) {
        self.set.store(set.map_or(core::ptr::null_mut(), |f| f as *mut ()), Ordering::Release);
    }

    fn installed(&self) -> bool {
        !self.set.load(Ordering::Acquire).is_null()
    }
}

impl GuardPages for HostGuardPages {
    fn set_guard(&self, address: usize, guarded: bool) {
        let set = self.set.load(Ordering::Acquire);
        if !set.is_null() {
            // SAFETY: a non-null value was stored by `install` from a `fn(usize, bool)`.
            let set: fn(usize, bool) = unsafe { core::mem::transmute(set) };
            set(address, guarded);
        }
    }
}

/// The hosted x86_64 CPU.
pub struct HostedX86 {
    masked: AtomicBool,
    deferred: AtomicBool,
}

impl Default for HostedX86 {
    fn default() -> Self {
        Self::new()
    }
}

impl HostedX86 {
    /// A CPU with interrupts enabled and nothing deferred.
    pub const fn new() -> Self {
        HostedX86 { masked: AtomicBool::new(false), deferred: AtomicBool::new(false) }
    }
}

/// Callee-saved registers pushed by `switch_stacks`: rbp, rbx, r12-r15.
const SAVED_REGISTERS: usize = 6;

impl Arch for HostedX86 {
    /// A Linux signal frame with AVX-512 state is close to 4 KiB; leave room for it and the
    /// kernel's own frames.
    const MIN_STACK: usize = 16 * 1024;

    fn irq_save(&self) -> bool {
        // One atomic swap: a signal cannot land between the test and the set.
        !self.masked.swap(true, Ordering::AcqRel)
    }

    fn irq_restore(&self, were_enabled: bool) {
        if were_enabled {
            self.masked.store(false, Ordering::Release);
        }
    }

    fn irq_defer(&self) {
        self.deferred.store(true, Ordering::Release);
    }

    fn irq_take_deferred(&self) -> bool {
        self.deferred.swap(false, Ordering::AcqRel)
    }

    fn cpu_id(&self) -> usize {
        0
    }

    fn guard_pages(&self) -> Option<&'static dyn GuardPages> {
        HOST_GUARD_PAGES.installed().then_some(&HOST_GUARD_PAGES as &'static dyn GuardPages)
    }

    fn init_stack(&self, stack: &mut [u8], entry: extern "C" fn(usize) -> !, arg: usize) -> usize {
        let base = stack.as_ptr() as usize;
        let top = (base + stack.len()) & !15;
        // Frame popped by `switch_stacks`, lowest address first: r15 r14 r13 r12 rbx rbp, then
        // the return address. After `ret` rsp = sp + 56 must be 16-aligned for the `call`.
        let sp = top - 72;
        let words = [0, 0, arg, entry as usize, 0, 0, thread_trampoline as *const () as usize];
        debug_assert_eq!(words.len(), SAVED_REGISTERS + 1);
        for (i, word) in words.iter().enumerate() {
            let at = sp - base + i * 8;
            stack[at..at + 8].copy_from_slice(&word.to_ne_bytes());
        }
        sp
    }

    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize) {
        // The next stack pointer is handed over in memory: `switch_stacks` loads rsp from it, the
        // form of stack switch objtool accepts in the Linux kernel (it cannot follow
        // `mov rsp, <register>`). The local lives on the current stack, read before it is left.
        let next = next_sp;
        // SAFETY: forwarded contract of `Arch::switch`; `&next` is valid for the call.
        unsafe { switch_stacks(save_sp, &next) }
    }
}

/// How a hand-written function returns: a plain `ret`, or inside the Linux kernel through its
/// return thunk (what `-Zfunction-return=thunk-extern` does for compiled code).
#[cfg(not(feature = "linux-kernel"))]
macro_rules! ret {
    () => {
        "ret"
    };
}
#[cfg(feature = "linux-kernel")]
macro_rules! ret {
    () => {
        "jmp __x86_return_thunk\nint3"
    };
}

/// How the trampoline calls a thread's entry: directly, or inside the Linux kernel through the
/// retpoline thunk (what `-Zretpoline-external-thunk` does for compiled code).
#[cfg(not(feature = "linux-kernel"))]
macro_rules! call_r12 {
    () => {
        "call r12"
    };
}
#[cfg(feature = "linux-kernel")]
macro_rules! call_r12 {
    () => {
        "call __x86_indirect_thunk_r12"
    };
}

/// Saves callee-saved registers and rsp of the current context, loads the next one from
/// `*next_sp` (the way the Linux kernel's own `__switch_to_asm` does, so objtool keeps
/// tracking the frame: same shape on both stacks).
#[unsafe(naked)]
unsafe extern "C" fn switch_stacks(save_sp: *mut usize, next_sp: *const usize) {
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, [rsi]",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        ret!(),
    )
}

/// Entered by `ret` from `switch_stacks` on a fresh stack: r12 = entry, r13 = argument.
/// `endbr64` first: its address is taken (`init_stack`), and under the kernel's IBT every
/// address-taken function must start with one (objtool checks; a no-op on other CPUs).
#[unsafe(naked)]
unsafe extern "C" fn thread_trampoline() -> ! {
    core::arch::naked_asm!("endbr64", "mov rdi, r13", call_r12!(), "ud2")
}
