//! AArch64 port: context switch, interrupt mask, exception vectors and the drop from whatever
//! level QEMU (or firmware) entered at down to EL1.
//!
//! The kernel is built for `aarch64-unknown-none-softfloat`: it never touches FP/SIMD
//! registers, so contexts and trap frames hold general registers only.

pub mod boot;
pub mod counter;
pub mod el1;
pub mod el2;
pub mod el3;
use el1::mmu;
pub mod exceptions;
pub mod psci;
pub mod secondary;
pub mod semihosting;
pub mod smc;
pub mod start;

use super::{Arch, ThreadEntry};
use core::arch::{asm, global_asm};

pub use exceptions::{set_el2_trap_handler, set_fast_call_handler, set_trap_handler, FastCallRegisters, Syndrome, TrapFrame, TrapKind};

/// An AArch64 CPU running the kernel at EL1.
pub struct Aarch64;

/// Callee-saved registers pushed by `wells_aarch64_switch`: x19-x28, x29 (fp), x30 (lr).
const SWITCH_FRAME: usize = 12 * 8;

impl Arch for Aarch64 {
    const MIN_STACK: usize = 8 * 1024;

    fn irq_save(&self) -> bool {
        let daif: u64;
        // SAFETY: reads DAIF, then masks IRQs. Not `nomem`: it must also stop the compiler from
        // moving memory accesses out of the critical section it opens.
        unsafe { asm!("mrs {0}, daif", "msr daifset, #2", out(reg) daif, options(nostack)) };
        daif & (1 << 7) == 0
    }

    fn irq_restore(&self, were_enabled: bool) {
        if were_enabled {
            // SAFETY: unmasks IRQs, restoring the state `irq_save` found (a compiler barrier too).
            unsafe { asm!("msr daifclr, #2", options(nostack)) };
        }
    }

    fn cpu_id(&self) -> usize {
        let mpidr: u64;
        // SAFETY: reads an ID register.
        unsafe { asm!("mrs {0}, mpidr_el1", out(reg) mpidr, options(nomem, nostack)) };
        (mpidr & 0xff) as usize
    }

    fn init_stack(&self, stack: &mut [u8], entry: ThreadEntry, arg: usize) -> usize {
        let base = stack.as_ptr() as usize;
        let top = (base + stack.len()) & !15;
        let sp = top - SWITCH_FRAME;
        // Popped by the switch: x19 = entry, x20 = argument, x29 = 0, x30 = trampoline.
        let mut words = [0usize; SWITCH_FRAME / 8];
        words[0] = entry as usize;
        words[1] = arg;
        words[11] = wells_aarch64_thread_start as *const () as usize;
        for (i, word) in words.iter().enumerate() {
            let at = sp - base + i * 8;
            stack[at..at + 8].copy_from_slice(&word.to_ne_bytes());
        }
        sp
    }

    const PASSES_SWITCH_TOKEN: bool = true;

    #[inline(always)]
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, token: usize) -> usize {
        // SAFETY: forwarded contract of `Arch::switch`.
        unsafe { wells_aarch64_switch(save_sp, next_sp, token) }
    }

    fn guard_pages(&self) -> Option<&'static dyn crate::mem::GuardPages> {
        // Only once the board has built the kernel's address space.
        mmu::kernel_space_ready().then_some(&mmu::KernelGuardPages)
    }

    /// `space` is a TTBR0_EL1 value (table address and ASID).
    fn switch_space(&self, space: usize) {
        mmu::activate(space as u64);
    }
}

/// The instruction set a user thread runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserMode {
    /// AArch64 at EL0.
    A64,
    /// AArch32 at EL0 (USR mode); `thumb` when the entry point is T32 code.
    A32 { thumb: bool },
}

/// Leaves the kernel for EL0: the current thread continues at `pc` with stack `sp` and
/// `arg` in x0/r0, all other registers zero, interrupts enabled. It comes back only through
/// exceptions (system calls, interrupts, faults), on its kernel stack.
pub fn enter_user(pc: usize, sp: usize, arg: usize, mode: UserMode) -> ! {
    // SPSR: EL0t (AArch64), or USR mode 0x10 with M[4] = AArch32, plus T for Thumb.
    let spsr: u64 = match mode {
        UserMode::A64 => 0,
        UserMode::A32 { thumb: false } => 0x10,
        UserMode::A32 { thumb: true } => 0x10 | (1 << 5),
    };
    // SAFETY: `eret` to EL0 with a user-mode SPSR cannot raise privilege; the kernel stack this
    // thread runs on is where its exceptions will land (SP_EL1 is left as is). AArch32 EL0
    // keeps its stack pointer in r13 (x13), AArch64 in SP_EL0.
    unsafe {
        asm!(
            "msr daifset, #2",
            "msr sp_el0, x9",
            "mov x13, x9",
            "msr elr_el1, x10",
            "msr spsr_el1, x11",
            "mov x0, x12",
            "mov x1, xzr", "mov x2, xzr", "mov x3, xzr", "mov x4, xzr", "mov x5, xzr",
            "mov x6, xzr", "mov x7, xzr", "mov x8, xzr", "mov x9, xzr", "mov x10, xzr",
            "mov x11, xzr", "mov x12, xzr", "mov x14, xzr", "mov x15, xzr", "mov x16, xzr",
            "mov x17, xzr", "mov x18, xzr", "mov x19, xzr", "mov x20, xzr", "mov x21, xzr",
            "mov x22, xzr", "mov x23, xzr", "mov x24, xzr", "mov x25, xzr", "mov x26, xzr",
            "mov x27, xzr", "mov x28, xzr", "mov x29, xzr", "mov x30, xzr",
            "eret",
            in("x9") sp,
            in("x10") pc,
            in("x11") spsr,
            in("x12") arg,
            options(noreturn)
        )
    }
}

extern "C" {
    fn wells_aarch64_switch(save_sp: *mut usize, next_sp: usize, token: usize) -> usize;
    fn wells_aarch64_thread_start() -> !;
}

global_asm!(
    ".section .text.wells_aarch64_switch",
    ".global wells_aarch64_switch",
    "wells_aarch64_switch:",
    "    sub sp, sp, #96",
    "    stp x19, x20, [sp, #0]",
    "    stp x21, x22, [sp, #16]",
    "    stp x23, x24, [sp, #32]",
    "    stp x25, x26, [sp, #48]",
    "    stp x27, x28, [sp, #64]",
    "    stp x29, x30, [sp, #80]",
    "    mov x9, sp",
    "    str x9, [x0]",
    "    mov sp, x1",
    "    ldp x19, x20, [sp, #0]",
    "    ldp x21, x22, [sp, #16]",
    "    ldp x23, x24, [sp, #32]",
    "    ldp x25, x26, [sp, #48]",
    "    ldp x27, x28, [sp, #64]",
    "    ldp x29, x30, [sp, #80]",
    "    add sp, sp, #96",
    // The token the switch passed: what the resumed context's `switch` returns.
    "    mov x0, x2",
    "    ret",
    "",
    // First code of a new thread: x19 = entry, x20 = argument.
    ".global wells_aarch64_thread_start",
    "wells_aarch64_thread_start:",
    "    mov x0, x20",
    "    mov x1, x2",
    "    blr x19",
    "    brk #0",
);

/// Reads the virtual counter (CNTVCT_EL0) and its frequency.
pub fn counter() -> (u64, u64) {
    let (count, frequency): (u64, u64);
    // SAFETY: reads counter registers accessible at EL1.
    unsafe {
        asm!("isb", "mrs {0}, cntvct_el0", "mrs {1}, cntfrq_el0", out(reg) count, out(reg) frequency, options(nomem, nostack))
    };
    (count, frequency)
}

/// Programs the EL1 virtual timer to fire at counter value `compare` (and enables it).
pub fn virtual_timer_arm(compare: u64) {
    // SAFETY: writes the EL1 virtual timer registers, which only affect its interrupt.
    unsafe { asm!("msr cntv_cval_el0, {0}", "mov {1}, #1", "msr cntv_ctl_el0, {1}", "isb", in(reg) compare, out(reg) _, options(nomem, nostack)) };
}

/// Stops the EL1 virtual timer (its interrupt line drops).
pub fn virtual_timer_cancel() {
    // SAFETY: as above; IMASK|!ENABLE silences the timer.
    unsafe { asm!("msr cntv_ctl_el0, {0}", "isb", in(reg) 2u64, options(nomem, nostack)) };
}

/// Waits for an interrupt (returns at once if one is pending).
pub fn wait_for_interrupt() {
    // SAFETY: only waits.
    unsafe { asm!("wfi", options(nomem, nostack)) };
}

/// The exception level the CPU runs at now.
pub fn current_el() -> u8 {
    let el: u64;
    // SAFETY: reads CurrentEL.
    unsafe { asm!("mrs {0}, CurrentEL", out(reg) el, options(nomem, nostack)) };
    ((el >> 2) & 3) as u8
}

/// Starts the PMU cycle counter (PMCCNTR_EL0) and lets EL0 read it. Under QEMU with `-icount`
/// it advances exactly once per instruction, which makes benchmark figures repeatable.
pub fn cycle_counter_start() {
    // SAFETY: PMCR_EL0.E (enable) | C (reset cycle counter); PMCNTENSET_EL0 bit 31 enables the
    // cycle counter; PMUSERENR_EL0.EN | CR lets EL0 read it. Only the PMU is affected.
    unsafe {
        asm!(
            "msr pmcr_el0, {pmcr}",
            "msr pmcntenset_el0, {cycle}",
            "msr pmuserenr_el0, {user}",
            "isb",
            pmcr = in(reg) 0b101u64,
            cycle = in(reg) 1u64 << 31,
            user = in(reg) 0b101u64,
            options(nostack)
        )
    };
}

/// Reads the PMU cycle counter.
pub fn cycles() -> u64 {
    let count: u64;
    // SAFETY: reads PMCCNTR_EL0 (enabled by `cycle_counter_start`).
    unsafe { asm!("isb", "mrs {0}, pmccntr_el0", out(reg) count, options(nomem, nostack)) };
    count
}
