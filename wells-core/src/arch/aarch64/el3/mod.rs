//! EL3, the monitor's level: the reset entry of a monitor image ([`crate::aarch64_monitor_start`]),
//! establishing EL3 ([`establish`]: vectors, SCR_EL3, CPTR_EL3, MDCR_EL3), the exception
//! vectors that take the normal world's SMCs ([`El3Frame`], [`set_el3_handler`]) and the entry
//! of the normal world ([`enter_normal_world`]). What an SMC is answered with is plain logic in
//! [`crate::arch::monitor`].
//!
//! Two ways to be at EL3: a monitor image *establishes* it (this module) and stays; any other
//! image entered at EL3 only passes through it (`boot.rs`: SCR_EL3 for a non-secure EL2, then
//! drop). The monitor runs with its MMU off: its code executes in place from the secure flash,
//! its data and stack are in secure SRAM, every access is Device-nGnRnE (no unaligned access:
//! the target is strict-align; no exclusive access either, so what CPUs share is kept with
//! loads and stores only).
//!
//! Every CPU starts at the reset entry; CPU 0 boots the monitor, the others park
//! ([`wells_el3_park`]) until a PSCI CPU_ON wakes them ([`wake`]), each on its own stack.

pub mod secure_timer;
pub mod world;

use super::exceptions::{restore_x0_to_x29, save_x2_to_x29, vector_entry};
use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The normal world's (and the monitor's own) registers at an exception taken to EL3: what the
/// vectors save and restore. A handler changes `x` to change what the caller finds on return.
#[repr(C)]
#[derive(Debug)]
pub struct El3Frame {
    /// x0 .. x30.
    pub x: [u64; 31],
    pub elr: u64,
    pub spsr: u64,
    pub esr: u64,
    pub far: u64,
    /// Vector index 0..16: 0-3 current EL with SP_EL0, 4-7 current EL with SP_EL3, 8-11 lower
    /// EL in AArch64, 12-15 lower EL in AArch32; within each, synchronous, IRQ, FIQ, SError.
    pub vector: u64,
}

// The vectors' offsets: x0..x30 at 0, ELR 248, SPSR 256, ESR 264, FAR 272, vector 280.
const _: () = assert!(core::mem::size_of::<El3Frame>() == 288);

impl El3Frame {
    /// The exception class of a synchronous exception.
    pub fn class(&self) -> u8 {
        ((self.esr >> 26) & 0x3f) as u8
    }

    /// An SMC from a lower level (AArch64, EC 0x17, or AArch32, EC 0x13): its immediate.
    pub fn smc_immediate(&self) -> Option<u16> {
        let lower_sync = self.vector == 8 || self.vector == 12;
        (lower_sync && matches!(self.class(), 0x17 | 0x13)).then_some(self.esr as u16)
    }
}

/// What the vectors call, with the saved frame; returning resumes the interrupted code with the
/// frame's registers.
pub type El3Handler = fn(&mut El3Frame);

static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Where the vectors' fast path counts the SMCs it answers (the address of the monitor's
/// `AtomicU64` count), 0 while there is no fast path ([`set_fast_smc_counter`]).
#[no_mangle]
static WELLS_EL3_FAST_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Turns on the vectors' fast path: SMCCC_VERSION (w0 = 0x8000_0000, `smc #0`) from the normal
/// world (SCR_EL3.NS set) in AArch64 is answered in the vector itself — x0 = 0x1_0001 (1.1),
/// x1..x3 zero, every other register kept, `answered` (the monitor's count of SMCs, a plain
/// load and store) grown by one — without saving a frame or calling the handler: what every
/// other SMC gets from the full path, in about 25 instructions instead of some 200. Any other
/// call, or the same from the secure world or AArch32, takes the full path.
pub fn set_fast_smc_counter(answered: &'static AtomicU64) {
    WELLS_EL3_FAST_COUNT.store(answered as *const AtomicU64 as usize, Ordering::Release);
}

/// SCR_EL3: NS (the lower levels are the normal world), RES1 bits 5:4, SMD = 0 (SMC enabled),
/// HCE (HVC enabled), RW (EL2 is AArch64). IRQ, FIQ and SError stay with the normal world.
pub const SCR_NORMAL_WORLD: u64 = (1 << 0) | (0b11 << 4) | (1 << 8) | (1 << 10);
/// SCTLR_EL3: RES1 bits, SP alignment check, instruction cache; MMU, data cache and alignment
/// checks off.
const SCTLR_EL3: u64 = 0x30c5_0830 | (1 << 3) | (1 << 12);
/// SCTLR_EL2 as the normal world gets it: RES1 bits, MMU and caches off.
const SCTLR_EL2_CLEAN: u64 = 0x30c5_0830;
/// SPSR_EL3 for the normal world's entry: EL2h, DAIF masked.
pub const SPSR_EL2H: u64 = 0x3c9;
/// SPSR_EL3 for an entry at EL1h, DAIF masked.
pub const SPSR_EL1H: u64 = 0x3c5;
/// HCR_EL2.RW: EL1 runs in AArch64 (what an entry at EL1 below an unconfigured EL2 needs).
const HCR_EL2_RW: u64 = 1 << 31;

/// The most CPUs that park and wake (affinity-0 numbers `0..MAX_CPUS` of cluster 0); any other
/// CPU parks for good.
pub const MAX_CPUS: usize = 8;
/// Bytes of the EL3 stack of each CPU but CPU 0 (which has the boot stack).
pub const SECONDARY_STACK: usize = 4096;

/// One word per CPU: non-zero wakes a parked CPU (`wells_el3_park` reads and clears it).
#[no_mangle]
static WELLS_EL3_WAKE: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// The EL3 stacks of the CPUs other than CPU 0 (secure SRAM, like the boot stack).
#[repr(C, align(16))]
pub struct SecondaryStacks(pub [[u8; SECONDARY_STACK]; MAX_CPUS]);
#[no_mangle]
static mut WELLS_EL3_STACKS: SecondaryStacks = SecondaryStacks([[0; SECONDARY_STACK]; MAX_CPUS]);

/// The top of CPU `cpu`'s EL3 stack (CPUs other than 0).
pub fn secondary_stack_top(cpu: usize) -> usize {
    // Only the address is taken; the memory is each CPU's own.
    core::ptr::addr_of!(WELLS_EL3_STACKS) as usize + (cpu % MAX_CPUS + 1) * SECONDARY_STACK
}

/// The calling CPU's affinity-0 number, or `MAX_CPUS` for a CPU outside cluster 0's first
/// `MAX_CPUS`.
pub fn this_cpu() -> usize {
    let mpidr: u64;
    // SAFETY: reads an identification register.
    unsafe { asm!("mrs {0}, mpidr_el1", out(reg) mpidr, options(nomem, nostack)) };
    let affinity = mpidr & 0xff_00ff_ffff;
    if affinity < MAX_CPUS as u64 { affinity as usize } else { MAX_CPUS }
}

/// Wakes parked CPU `cpu` (it enters the image's secondary entry on its own stack).
pub fn wake(cpu: usize) {
    if cpu < MAX_CPUS {
        WELLS_EL3_WAKE[cpu].store(1, Ordering::SeqCst);
        // SAFETY: a barrier and an event: the parked CPU's WFE returns and it reads its word.
        unsafe { asm!("dsb sy", "sev", options(nostack)) };
    }
}

/// Parks the calling CPU (PSCI CPU_OFF) until [`wake`]: it starts over at the image's
/// secondary entry on a fresh stack.
pub fn park() -> ! {
    // SAFETY: `wells_el3_park` never returns and needs nothing of the current stack.
    unsafe { asm!("b wells_el3_park", options(noreturn)) }
}

/// Establishes EL3 on this CPU: the monitor's vectors and system control, the normal world's
/// security state (SCR_EL3), no traps of FP/SIMD, trace or timer registers (CPTR_EL3 = 0) and
/// debug left to the normal world (MDCR_EL3 = 0). SMCs reach `handler`.
pub fn establish(handler: El3Handler) {
    HANDLER.store(handler as usize, Ordering::Release);
    // SAFETY: runs at EL3 (a monitor image's entry); the table is 2 KiB aligned code that saves
    // and restores every general register around the handler. The other writes configure what
    // the lower levels may do and take effect at the next exception return.
    unsafe {
        asm!(
            "adr {tmp}, wells_el3_vectors",
            "msr vbar_el3, {tmp}",
            "msr sctlr_el3, {sctlr}",
            "msr scr_el3, {scr}",
            "msr cptr_el3, xzr",
            "msr mdcr_el3, xzr",
            "isb",
            tmp = out(reg) _,
            sctlr = in(reg) SCTLR_EL3,
            scr = in(reg) SCR_NORMAL_WORLD,
            options(nostack)
        )
    };
}

/// SCR_EL3 as the CPU holds it.
pub fn scr() -> u64 {
    let scr: u64;
    // SAFETY: reads a system register; only called at EL3.
    unsafe { asm!("mrs {0}, scr_el3", out(reg) scr, options(nomem, nostack)) };
    scr
}

/// Enters the normal world at non-secure EL2 at `entry` with x0 = `arg0` (the device tree) and
/// every other general register zero, EL2's system control clean (MMU and caches off), EL1's
/// registers fresh (a secure world may have run before), interrupts masked, security state
/// `scr`; the monitor's stack starts again at `monitor_stack` for the SMCs to come. Never
/// returns: the world comes back only through the vectors.
pub fn enter_normal_world(entry: u64, arg0: u64, scr: u64, monitor_stack: usize) -> ! {
    enter_normal_world_at(entry, arg0, scr, monitor_stack, SPSR_EL2H)
}

/// [`enter_normal_world`] at the level and mode `spsr` gives ([`SPSR_EL2H`] or [`SPSR_EL1H`]):
/// for an entry at EL1, EL2 is left clean with EL1 in AArch64.
pub fn enter_normal_world_at(entry: u64, arg0: u64, scr: u64, monitor_stack: usize, spsr: u64) -> ! {
    let hcr = if spsr & 0b1100 == 0b0100 { HCR_EL2_RW } else { 0 };
    world::El1State::fresh().restore();
    world::set_scr(scr);
    // SAFETY: at EL3 after `establish`. Everything the monitor still needs is static; the stack
    // it ran on so far is given up (the exception path starts at its top again).
    unsafe {
        asm!(
            "msr sctlr_el2, {sctlr}",
            "msr hcr_el2, {hcr}",
            "msr elr_el3, {entry}",
            "msr spsr_el3, {spsr}",
            "mov sp, {stack}",
            "mov x0, {arg0}",
            "mov x1, xzr", "mov x2, xzr", "mov x3, xzr", "mov x4, xzr", "mov x5, xzr",
            "mov x6, xzr", "mov x7, xzr", "mov x8, xzr", "mov x9, xzr", "mov x10, xzr",
            "mov x11, xzr", "mov x12, xzr", "mov x13, xzr", "mov x14, xzr", "mov x15, xzr",
            "mov x16, xzr", "mov x17, xzr", "mov x18, xzr", "mov x19, xzr", "mov x20, xzr",
            "mov x21, xzr", "mov x22, xzr", "mov x23, xzr", "mov x24, xzr", "mov x25, xzr",
            "mov x26, xzr", "mov x27, xzr", "mov x28, xzr", "mov x29, xzr", "mov x30, xzr",
            "isb",
            "eret",
            sctlr = in(reg) SCTLR_EL2_CLEAN,
            entry = in(reg) entry,
            spsr = in(reg) spsr,
            hcr = in(reg) hcr,
            stack = in(reg) monitor_stack,
            arg0 = in(reg) arg0,
            options(noreturn)
        )
    }
}

#[no_mangle]
extern "C" fn wells_el3_exception(frame: &mut El3Frame) {
    let handler = HANDLER.load(Ordering::Acquire);
    if handler == 0 {
        // No monitor established: nothing can answer; stop here rather than return into a loop.
        loop {
            super::wait_for_interrupt();
        }
    }
    // SAFETY: only `establish` stores here, always an `El3Handler`.
    let handler: El3Handler = unsafe { core::mem::transmute::<usize, El3Handler>(handler) };
    handler(frame);
}

/// Defines `_start` (section `.text.boot`) for a monitor image, where every CPU starts at reset:
/// a CPU other than 0.0.0.0 parks ([`park`]'s loop, `wells_el3_park`): it waits in WFE until its
/// wake word is set ([`wake`]), clears it and calls `secondary` (`extern "C" fn(cpu: u64) -> !`)
/// on its own stack; CPU 0 takes the boot stack, copies `.data` from its load address in flash
/// to SRAM, clears `.bss` and calls `main` (`extern "C" fn() -> !`) at EL3. (A parked CPU reads
/// only its wake word, which stays zero while CPU 0 clears `.bss`.)
///
/// The linker script gives `__boot_stack_top`, `__data_load`, `__data_start`, `__data_end`,
/// `__bss_start` and `__bss_end` (8-byte aligned).
#[macro_export]
macro_rules! aarch64_monitor_start {
    (main: $main:path, secondary: $secondary:path $(,)?) => {
        ::core::arch::global_asm!(
            ".section .text.boot",
            ".global _start",
            "_start:",
            "    mrs x9, mpidr_el1",
            "    mov x10, #0xffffff",            // Aff2..Aff0
            "    movk x10, #0xff, lsl #32",      // Aff3
            "    and x9, x9, x10",
            "    cbz x9, 2f",
            ".global wells_el3_park",
            "wells_el3_park:",
            "    mrs x9, mpidr_el1",
            "    mov x10, #0xffffff",
            "    movk x10, #0xff, lsl #32",
            "    and x9, x9, x10",
            "    cmp x9, #{max_cpus}",
            "    b.hs 9f",
            "    adrp x10, WELLS_EL3_WAKE",
            "    add x10, x10, :lo12:WELLS_EL3_WAKE",
            "    add x10, x10, x9, lsl #3",
            "1:  ldar x11, [x10]",
            "    cbnz x11, 10f",
            "    wfe",
            "    b 1b",
            "10: stlr xzr, [x10]",
            "    adrp x10, WELLS_EL3_STACKS",
            "    add x10, x10, :lo12:WELLS_EL3_STACKS",
            "    add x11, x9, #1",
            "    mov x12, #{stack}",
            "    madd x10, x11, x12, x10",
            "    mov sp, x10",
            "    mov x0, x9",
            "    bl {secondary}",
            "9:  wfe",
            "    b 9b",
            "2:  ldr x9, =__boot_stack_top",
            "    mov sp, x9",
            "    ldr x9, =__data_load",
            "    ldr x10, =__data_start",
            "    ldr x11, =__data_end",
            "3:  cmp x10, x11",
            "    b.hs 4f",
            "    ldr x12, [x9], #8",
            "    str x12, [x10], #8",
            "    b 3b",
            "4:  ldr x9, =__bss_start",
            "    ldr x10, =__bss_end",
            "5:  cmp x9, x10",
            "    b.hs 6f",
            "    str xzr, [x9], #8",
            "    b 5b",
            "6:  bl {main}",
            "7:  wfe",
            "    b 7b",
            main = sym $main,
            secondary = sym $secondary,
            max_cpus = const $crate::arch::aarch64::el3::MAX_CPUS,
            stack = const $crate::arch::aarch64::el3::SECONDARY_STACK,
        );
    };
}

// The vector table: each entry makes room for a frame, saves x0/x1 and goes to the common path
// with its index in x1 (`exceptions::vector_entry`, shared with the EL1/EL2 tables, as is the
// save and restore of x2..x29). The common path saves the rest and the exception registers,
// calls `wells_el3_exception(frame)`, restores (ELR and SPSR too, so a handler may change them)
// and returns.
global_asm!(
    ".section .text.wells_el3_vectors, \"ax\"",
    ".balign 2048",
    ".global wells_el3_vectors",
    "wells_el3_vectors:",
    vector_entry!(288, "wells_el3", "_save", 0),
    vector_entry!(288, "wells_el3", "_save", 1),
    vector_entry!(288, "wells_el3", "_save", 2),
    vector_entry!(288, "wells_el3", "_save", 3),
    vector_entry!(288, "wells_el3", "_save", 4),
    vector_entry!(288, "wells_el3", "_save", 5),
    vector_entry!(288, "wells_el3", "_save", 6),
    vector_entry!(288, "wells_el3", "_save", 7),
    // A synchronous exception from a lower level in AArch64: the fast path for SMCCC_VERSION
    // ([`set_fast_smc_counter`]); x0 and x1 are saved first, so any other exception goes on to
    // the full path as the other entries do. The answer to the SMC fits SMCCC 1.1: x0 the
    // version, x1..x3 zero (results), x4..x30 and SP untouched.
    ".balign 0x80",
    "    sub sp, sp, #288",
    "    stp x0, x1, [sp, #0]",
    // ESR: exception class 0x17 (SMC from AArch64) and IL (bits 31:25 = 0x2f), immediate 0.
    "    mrs x1, esr_el3",
    "    tst w1, #0xffff",
    "    b.ne 8f",
    "    lsr w1, w1, #25",
    "    cmp w1, #0x2f",
    "    b.ne 8f",
    // w0 = SMCCC_VERSION (the upper half of x0 is ignored, as the full path does).
    "    movz w1, #0x8000, lsl #16",
    "    cmp w0, w1",
    "    b.ne 8f",
    // From the normal world only.
    "    mrs x1, scr_el3",
    "    tbz x1, #0, 8f",
    "    adrp x1, WELLS_EL3_FAST_COUNT",
    "    ldr x1, [x1, :lo12:WELLS_EL3_FAST_COUNT]",
    "    cbz x1, 8f",
    "    ldr x0, [x1]",
    "    add x0, x0, #1",
    "    str x0, [x1]",
    "    movz x0, #0x1, lsl #16",
    "    movk x0, #0x1",
    "    mov x1, xzr",
    "    mov x2, xzr",
    "    mov x3, xzr",
    "    add sp, sp, #288",
    "    eret",
    "8:  mov x1, #8",
    "    b wells_el3_save",
    // The entry must fit its 0x80 bytes, or every later one would be off (`.org` refuses to
    // move backwards).
    ".org wells_el3_vectors + 0x480",
    vector_entry!(288, "wells_el3", "_save", 9),
    vector_entry!(288, "wells_el3", "_save", 10),
    vector_entry!(288, "wells_el3", "_save", 11),
    vector_entry!(288, "wells_el3", "_save", 12),
    vector_entry!(288, "wells_el3", "_save", 13),
    vector_entry!(288, "wells_el3", "_save", 14),
    vector_entry!(288, "wells_el3", "_save", 15),
    "",
    "wells_el3_save:",
    save_x2_to_x29!(),
    "    str x30, [sp, #240]",
    "    str x1, [sp, #280]",
    "    mrs x1, elr_el3",
    "    mrs x2, spsr_el3",
    "    stp x1, x2, [sp, #248]",
    "    mrs x1, esr_el3",
    "    mrs x2, far_el3",
    "    stp x1, x2, [sp, #264]",
    "    mov x0, sp",
    "    bl wells_el3_exception",
    "    ldp x1, x2, [sp, #248]",
    "    msr elr_el3, x1",
    "    msr spsr_el3, x2",
    "    ldr x30, [sp, #240]",
    restore_x0_to_x29!(),
    "    add sp, sp, #288",
    "    eret",
);
