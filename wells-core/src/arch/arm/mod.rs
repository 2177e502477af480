//! ARMv7-A (AArch32) port: the kernel runs in SVC mode, user tasks in USR mode. Context switch,
//! interrupt mask, exception vectors (`exceptions.rs`), the drop from HYP to SVC (`boot.rs`),
//! the short-descriptor MMU (`mmu.rs`), the CP15 generic timer and USR-mode entry.
//!
//! The kernel is built for `armv7a-none-eabi` (soft float, A32 code): it never touches VFP/NEON
//! registers, so contexts and trap frames hold general registers only.

pub mod boot;
pub mod counter;
pub mod exceptions;
pub mod hyp;
pub mod pl1;
use pl1::mmu;
pub mod psci;
pub mod secondary;
pub mod semihosting;
pub mod start;

use super::{Arch, ThreadEntry};
use core::arch::{asm, global_asm};

pub use exceptions::{set_fast_call_handler, set_trap_handler, FastCallHandler, FastCallRegisters, FaultStatus, TrapFrame, TrapKind};

/// An ARMv7-A CPU running the kernel in SVC mode.
pub struct Armv7a;

/// Registers pushed by `wells_arm_switch`: r3 (padding, keeps 8-byte alignment), r4-r11, lr.
const SWITCH_FRAME: usize = 10 * 4;

/// CPSR mode field values.
pub mod mode {
    pub const USR: u32 = 0x10;
    pub const FIQ: u32 = 0x11;
    pub const IRQ: u32 = 0x12;
    pub const SVC: u32 = 0x13;
    pub const ABT: u32 = 0x17;
    pub const HYP: u32 = 0x1a;
    pub const UND: u32 = 0x1b;
    pub const SYS: u32 = 0x1f;

    /// The mode's name.
    pub fn name(mode: u32) -> &'static str {
        match mode & 0x1f {
            USR => "USR",
            FIQ => "FIQ",
            IRQ => "IRQ",
            SVC => "SVC",
            0x16 => "MON",
            ABT => "ABT",
            HYP => "HYP",
            UND => "UND",
            SYS => "SYS",
            _ => "invalid mode",
        }
    }
}

impl Arch for Armv7a {
    const MIN_STACK: usize = 8 * 1024;

    fn irq_save(&self) -> bool {
        let cpsr: u32;
        // SAFETY: reads CPSR, then masks IRQs. Not `nomem`: it also keeps the compiler from
        // moving memory accesses out of the critical section it opens.
        unsafe { asm!("mrs {0}, cpsr", "cpsid i", out(reg) cpsr, options(nostack)) };
        cpsr & (1 << 7) == 0
    }

    fn irq_restore(&self, were_enabled: bool) {
        if were_enabled {
            // SAFETY: unmasks IRQs, restoring the state `irq_save` found (a compiler barrier too).
            unsafe { asm!("cpsie i", options(nostack)) };
        }
    }

    fn cpu_id(&self) -> usize {
        let mpidr: u32;
        // SAFETY: reads MPIDR.
        unsafe { asm!("mrc p15, 0, {0}, c0, c0, 5", out(reg) mpidr, options(nomem, nostack)) };
        (mpidr & 0xff) as usize
    }

    fn init_stack(&self, stack: &mut [u8], entry: ThreadEntry, arg: usize) -> usize {
        let base = stack.as_ptr() as usize;
        let top = (base + stack.len()) & !7;
        let sp = top - SWITCH_FRAME;
        // Popped by the switch: r3 (pad), r4 = entry, r5 = argument, r6-r11 = 0, lr = trampoline.
        let mut words = [0usize; SWITCH_FRAME / 4];
        words[1] = entry as usize;
        words[2] = arg;
        words[9] = wells_arm_thread_start as *const () as usize;
        for (i, word) in words.iter().enumerate() {
            let at = sp - base + i * 4;
            stack[at..at + 4].copy_from_slice(&word.to_ne_bytes());
        }
        sp
    }

    const PASSES_SWITCH_TOKEN: bool = true;

    #[inline(always)]
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, token: usize) -> usize {
        // SAFETY: forwarded contract of `Arch::switch`.
        unsafe { wells_arm_switch(save_sp, next_sp, token) }
    }

    fn guard_pages(&self) -> Option<&'static dyn crate::mem::GuardPages> {
        // Only once the board has built the kernel's address space.
        mmu::kernel_space_ready().then_some(&mmu::KernelGuardPages)
    }

    /// `space` is an address-space token of [`mmu::AddressSpace::token`]: the level-1 table's
    /// address (16 KiB aligned) with the ASID in its low 8 bits.
    fn switch_space(&self, space: usize) {
        mmu::activate(space);
    }
}

/// Leaves the kernel for USR mode: the current thread continues at `pc` (Thumb when `thumb`)
/// with stack `sp` and `arg` in r0, all other registers zero, interrupts enabled. It comes back
/// only through exceptions (system calls, interrupts, faults), on its kernel (SVC) stack, which
/// stays where it is now.
pub fn enter_user(pc: usize, sp: usize, arg: usize, thumb: bool) -> ! {
    let spsr: u32 = mode::USR | if thumb { 1 << 5 } else { 0 };
    // SAFETY: the exception return goes to USR mode, which cannot raise privilege; SP_usr is
    // set through SYS mode (which shares USR's registers). The SVC stack this thread runs on is
    // where its exceptions will land.
    unsafe {
        asm!(
            "cpsid i",
            "cps #0x1f",
            "mov sp, r1",
            "mov lr, #0",
            "cps #0x13",
            "msr spsr_cxsf, r2",
            "mov lr, r3",
            "mov r1, #0", "mov r2, #0", "mov r3, #0", "mov r4, #0", "mov r5, #0", "mov r6, #0",
            "mov r7, #0", "mov r8, #0", "mov r9, #0", "mov r10, #0", "mov r11, #0", "mov r12, #0",
            "movs pc, lr",
            in("r0") arg,
            in("r1") sp,
            in("r2") spsr,
            in("r3") pc,
            options(noreturn)
        )
    }
}

extern "C" {
    fn wells_arm_switch(save_sp: *mut usize, next_sp: usize, token: usize) -> usize;
    fn wells_arm_thread_start() -> !;
}

global_asm!(
    ".section .text.wells_arm_switch",
    ".arm",
    ".global wells_arm_switch",
    "wells_arm_switch:",
    "    push {{r3-r11, lr}}",
    "    str sp, [r0]",
    "    mov sp, r1",
    "    pop {{r3-r11, lr}}",
    // The token the switch passed: what the resumed context's `switch` returns.
    "    mov r0, r2",
    "    bx lr",
    "",
    // First code of a new thread: r4 = entry, r5 = argument.
    ".global wells_arm_thread_start",
    "wells_arm_thread_start:",
    "    mov r0, r5",
    "    mov r1, r2",
    "    blx r4",
    "    udf #0",
);

/// Reads the virtual counter (CNTVCT) and its frequency (CNTFRQ).
pub fn counter() -> (u64, u64) {
    let (low, high, frequency): (u32, u32, u32);
    // SAFETY: reads counter registers accessible at PL1.
    unsafe {
        asm!(
            "isb",
            "mrrc p15, 1, {0}, {1}, c14",
            "mrc p15, 0, {2}, c14, c0, 0",
            out(reg) low, out(reg) high, out(reg) frequency,
            options(nomem, nostack)
        )
    };
    (((high as u64) << 32) | low as u64, frequency as u64)
}

/// Programs the PL1 virtual timer to fire at counter value `compare` (and enables it).
pub fn virtual_timer_arm(compare: u64) {
    // SAFETY: writes CNTV_CVAL and CNTV_CTL, which only affect the virtual timer's interrupt.
    unsafe {
        asm!(
            "mcrr p15, 3, {0}, {1}, c14",
            "mcr p15, 0, {2}, c14, c3, 1",
            "isb",
            in(reg) compare as u32, in(reg) (compare >> 32) as u32, in(reg) 1u32,
            options(nomem, nostack)
        )
    };
}

/// Stops the virtual timer (its interrupt line drops).
pub fn virtual_timer_cancel() {
    // SAFETY: as above; IMASK | !ENABLE silences the timer.
    unsafe { asm!("mcr p15, 0, {0}, c14, c3, 1", "isb", in(reg) 2u32, options(nomem, nostack)) };
}

/// Waits for an interrupt (returns at once if one is pending).
pub fn wait_for_interrupt() {
    // SAFETY: only waits.
    unsafe { asm!("wfi", options(nomem, nostack)) };
}

/// The CPSR mode the CPU runs in now.
pub fn current_mode() -> u32 {
    let cpsr: u32;
    // SAFETY: reads CPSR.
    unsafe { asm!("mrs {0}, cpsr", out(reg) cpsr, options(nomem, nostack)) };
    cpsr & 0x1f
}

/// Starts the PMU cycle counter (PMCCNTR) and lets USR mode read it. Under QEMU with `-icount`
/// it advances exactly once per instruction, which makes benchmark figures repeatable.
pub fn cycle_counter_start() {
    // SAFETY: PMCR.E | C, PMCNTENSET bit 31, PMUSERENR.EN: only the PMU is affected.
    unsafe {
        asm!(
            "mcr p15, 0, {pmcr}, c9, c12, 0",
            "mcr p15, 0, {cycle}, c9, c12, 1",
            "mcr p15, 0, {user}, c9, c14, 0",
            "isb",
            pmcr = in(reg) 0b101u32,
            cycle = in(reg) 1u32 << 31,
            user = in(reg) 1u32,
            options(nostack)
        )
    };
}

/// Reads the PMU cycle counter (32 bits on ARMv7).
pub fn cycles() -> u32 {
    let count: u32;
    // SAFETY: reads PMCCNTR (enabled by `cycle_counter_start`).
    unsafe { asm!("isb", "mrc p15, 0, {0}, c9, c13, 0", out(reg) count, options(nomem, nostack)) };
    count
}
