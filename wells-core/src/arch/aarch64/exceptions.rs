//! Exception vectors for EL1 (a supervisor) and EL2 (a hypervisor): every exception saves a full
//! general-register frame on the current stack and calls the trap handler the board registered;
//! an exception with no handler parks the CPU.

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Registers saved on every exception, in the order the vector code stores them.
#[repr(C)]
#[derive(Debug, Clone)]
pub struct TrapFrame {
    /// x0 .. x30.
    pub x: [u64; 31],
    /// Where the exception returns to (ELR_EL1).
    pub elr: u64,
    /// Saved program status (SPSR_EL1).
    pub spsr: u64,
    /// The EL0 stack pointer.
    pub sp_el0: u64,
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 272);

/// Where the exception came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// EL1 running on SP_EL0.
    CurrentSp0,
    /// EL1 running on SP_EL1 (the kernel).
    CurrentSpx,
    /// EL0 in AArch64.
    Lower64,
    /// EL0 in AArch32.
    Lower32,
}

/// What kind of exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Synchronous,
    Irq,
    Fiq,
    SError,
}

/// An exception's vector: source and class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrapKind {
    pub source: Source,
    pub class: Class,
}

impl TrapKind {
    fn from_vector(index: u64) -> TrapKind {
        let source = match index / 4 {
            0 => Source::CurrentSp0,
            1 => Source::CurrentSpx,
            2 => Source::Lower64,
            _ => Source::Lower32,
        };
        let class = match index % 4 {
            0 => Class::Synchronous,
            1 => Class::Irq,
            2 => Class::Fiq,
            _ => Class::SError,
        };
        TrapKind { source, class }
    }
}

/// The syndrome of a synchronous exception: ESR_EL1 and FAR_EL1, decoded.
#[derive(Debug, Clone, Copy)]
pub struct Syndrome {
    pub esr: u64,
    pub far: u64,
}

impl Syndrome {
    /// Reads ESR_EL1 and FAR_EL1 (meaningful inside a synchronous exception).
    pub fn read() -> Syndrome {
        let (esr, far): (u64, u64);
        // SAFETY: reads two syndrome registers.
        unsafe { asm!("mrs {0}, esr_el1", "mrs {1}, far_el1", out(reg) esr, out(reg) far, options(nomem, nostack)) };
        Syndrome { esr, far }
    }

    /// The exception class of ESR_EL1 alone (a system call needs no more; FAR_EL1 only matters
    /// for a fault, read then with [`Syndrome::read`]).
    #[inline]
    pub fn class_el1() -> u8 {
        let esr: u64;
        // SAFETY: reads one syndrome register.
        unsafe { asm!("mrs {0}, esr_el1", out(reg) esr, options(nomem, nostack)) };
        crate::arch::hypervisor::guest_exit::class(esr)
    }

    /// Reads ESR_EL2 and FAR_EL2 (inside a synchronous exception taken to EL2).
    pub fn read_el2() -> Syndrome {
        let (esr, far): (u64, u64);
        // SAFETY: reads two EL2 syndrome registers; only called at EL2.
        unsafe { asm!("mrs {0}, esr_el2", "mrs {1}, far_el2", out(reg) esr, out(reg) far, options(nomem, nostack)) };
        Syndrome { esr, far }
    }

    /// Exception class (ESR bits 31:26).
    pub fn class(&self) -> u8 {
        crate::arch::hypervisor::guest_exit::class(self.esr)
    }

    /// True when FAR_EL1 holds the faulting address (aborts, alignment faults, watchpoints);
    /// otherwise it is stale.
    pub fn far_valid(&self) -> bool {
        matches!(self.class(), 0x20 | 0x21 | 0x22 | 0x24 | 0x25 | 0x34 | 0x35)
    }

    /// The exception class in words.
    pub fn describe(&self) -> &'static str {
        crate::arch::hypervisor::guest_exit::describe(self.class())
    }
}

/// A board's trap handler: called for every exception with its frame.
pub type TrapHandler = fn(&mut TrapFrame, TrapKind);

static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Installs the EL1 vector table on this CPU and routes every exception to `handler`.
pub fn set_trap_handler(handler: TrapHandler) {
    HANDLER.store(handler as usize, Ordering::Release);
    install_el1_vectors();
}

/// Installs the EL1 vector table on this CPU (a secondary CPU: the handler is already set).
pub fn install_el1_vectors() {
    // SAFETY: the table is 2 KiB aligned code that saves and restores the full register frame.
    unsafe { asm!("adr {0}, wells_aarch64_vectors", "msr vbar_el1, {0}", "isb", out(reg) _, options(nostack)) };
}

/// The address of the EL1 vector table (what VBAR_EL1 holds once it is installed).
pub fn el1_vectors() -> u64 {
    let address: u64;
    // SAFETY: only takes an address.
    unsafe { asm!("adr {0}, wells_aarch64_vectors", out(reg) address, options(nomem, nostack)) };
    address
}

/// VBAR_EL1 as this CPU has it.
pub fn vbar_el1() -> u64 {
    let vbar: u64;
    // SAFETY: reads a system register.
    unsafe { asm!("mrs {0}, vbar_el1", out(reg) vbar, options(nomem, nostack)) };
    vbar
}

/// Installs the EL2 vector table (the hypervisor's, see `el2`) and routes every exception
/// taken to EL2 to `handler`: "lower" sources are then the guests at EL1 and EL0.
pub fn set_el2_trap_handler(handler: TrapHandler) {
    HANDLER.store(handler as usize, Ordering::Release);
    // SAFETY: as above, for the table that uses the EL2 exception registers; only valid at EL2.
    unsafe { asm!("adr {0}, wells_aarch64_el2_vectors", "msr vbar_el2, {0}", "isb", out(reg) _, options(nostack)) };
}

/// The address of the EL2 vector table, and VBAR_EL2 as this CPU has it (equal once
/// [`set_el2_trap_handler`] ran here).
pub fn el2_vectors_and_vbar() -> (u64, u64) {
    let (address, vbar): (u64, u64);
    // SAFETY: takes an address and reads a system register (only valid at EL2).
    unsafe { asm!("adr {0}, wells_aarch64_el2_vectors", "mrs {1}, vbar_el2", out(reg) address, out(reg) vbar, options(nomem, nostack)) };
    (address, vbar)
}

/// The registers a fast call sees: x0 to x18, the arguments, the call number (x8) and the
/// results, saved on entry and loaded back on return. The rest of the task's state is not saved
/// on this path, so a fast call must not block, switch or stop its thread.
pub type FastCallRegisters = [u64; 19];

/// A board's fast-call handler ([`set_fast_call_handler`]): handles the call in `registers` and
/// returns true, or returns false, leaving them as they came, for the full trap path.
pub type FastCallHandler = extern "C" fn(&mut FastCallRegisters) -> bool;

/// The handler the vectors call for a call in the mask (set before the mask, so never 0 then).
#[no_mangle]
static WELLS_AARCH64_FAST_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Bit n set: call n may be fast (the vectors test it before saving anything more). Call n is
/// system call n at EL1 (x8) and hypercall 0x8600_0000 + n, wells' own, at EL2 (x0).
#[no_mangle]
static WELLS_AARCH64_FAST_CALLS: AtomicU64 = AtomicU64::new(0);

/// Routes the calls `calls` (bit n: call n, as above) from the level below (SVC from EL0 at
/// EL1, HVC from a guest at EL2) to `handler` first, with interrupts masked and only the
/// caller-saved registers saved: a call it answers returns at once, any other (and every call
/// not in `calls`) takes the full trap path (`set_trap_handler`).
pub fn set_fast_call_handler(handler: FastCallHandler, calls: u64) {
    // The vectors call it directly, by the C ABI: x0 = the frame, w0 = the answer.
    WELLS_AARCH64_FAST_HANDLER.store(handler as usize, Ordering::Release);
    WELLS_AARCH64_FAST_CALLS.store(calls, Ordering::Release);
}

#[no_mangle]
extern "C" fn wells_aarch64_trap(frame: &mut TrapFrame, vector: u64) {
    let handler = HANDLER.load(Ordering::Acquire);
    if handler == 0 {
        loop {
            super::wait_for_interrupt();
        }
    }
    // SAFETY: only `set_trap_handler` stores here, always a `TrapHandler`.
    let handler: TrapHandler = unsafe { core::mem::transmute::<usize, TrapHandler>(handler) };
    handler(frame, TrapKind::from_vector(vector));
}

/// One vector entry, 0x80-aligned: room for a frame of `$size` bytes on the stack, x0 and x1
/// saved at its start, the entry's `$index` in x1, then on to the table's common path (the label
/// `$table` followed by `$common`). Shared
/// by the EL1/EL2 tables below and the monitor's EL3 table (`el3`).
macro_rules! vector_entry {
    ($size:literal, $table:literal, $common:literal, $index:literal) => {
        concat!(
            ".balign 0x80\n",
            "    sub sp, sp, #", $size, "\n",
            "    stp x0, x1, [sp, #0]\n",
            "    mov x1, #", $index, "\n",
            "    b ", $table, $common, "\n"
        )
    };
}

/// Saves x2..x29 at offsets 16..232 of the frame at sp (x0, x1 are at 0 and 8): the common
/// path of every vector table.
macro_rules! save_x2_to_x29 {
    () => {
        concat!(
            "    stp x2, x3, [sp, #16]\n",
            "    stp x4, x5, [sp, #32]\n",
            "    stp x6, x7, [sp, #48]\n",
            "    stp x8, x9, [sp, #64]\n",
            "    stp x10, x11, [sp, #80]\n",
            "    stp x12, x13, [sp, #96]\n",
            "    stp x14, x15, [sp, #112]\n",
            "    stp x16, x17, [sp, #128]\n",
            "    stp x18, x19, [sp, #144]\n",
            "    stp x20, x21, [sp, #160]\n",
            "    stp x22, x23, [sp, #176]\n",
            "    stp x24, x25, [sp, #192]\n",
            "    stp x26, x27, [sp, #208]\n",
            "    stp x28, x29, [sp, #224]\n"
        )
    };
}

/// Loads x0..x29 back from the frame at sp ([`save_x2_to_x29`]'s layout).
macro_rules! restore_x0_to_x29 {
    () => {
        concat!(
            "    ldp x28, x29, [sp, #224]\n",
            "    ldp x26, x27, [sp, #208]\n",
            "    ldp x24, x25, [sp, #192]\n",
            "    ldp x22, x23, [sp, #176]\n",
            "    ldp x20, x21, [sp, #160]\n",
            "    ldp x18, x19, [sp, #144]\n",
            "    ldp x16, x17, [sp, #128]\n",
            "    ldp x14, x15, [sp, #112]\n",
            "    ldp x12, x13, [sp, #96]\n",
            "    ldp x10, x11, [sp, #80]\n",
            "    ldp x8, x9, [sp, #64]\n",
            "    ldp x6, x7, [sp, #48]\n",
            "    ldp x4, x5, [sp, #32]\n",
            "    ldp x2, x3, [sp, #16]\n",
            "    ldp x0, x1, [sp, #0]\n"
        )
    };
}

pub(crate) use {restore_x0_to_x29, save_x2_to_x29, vector_entry};

/// One vector table for exceptions taken to EL`$el` ("1" or "2"): every entry pushes a
/// [`TrapFrame`] and calls `wells_aarch64_trap` with its index. A call from the 64-bit level
/// below (exception class `$call`: SVC at EL1, HVC at EL2) first saves only x0-x18 and x30 and
/// offers itself to `wells_aarch64_fast_call`; one it answers returns from there, any other
/// completes the frame and goes on as every other trap. Synchronous exceptions at the
/// same level are always kernel faults (calls come from below), so they run on an emergency
/// stack, one per CPU: a kernel stack overflow into its guard page is reported instead of
/// faulting again on the frame push, and two CPUs faulting at once do not share one.
macro_rules! vector_table {
    ($table:literal, $el:literal, $call:literal, $index:literal, $($number:literal),*) => {
        global_asm!(
            concat!(".section .text.", $table),
            ".balign 0x800",
            concat!(".global ", $table),
            concat!($table, ":"),
            vector_table!(@entry $table, 0),
            vector_table!(@entry $table, 1),
            vector_table!(@entry $table, 2),
            vector_table!(@entry $table, 3),
            ".balign 0x80",
            concat!("    msr tpidr_el", $el, ", x0"),
            concat!("    adrp x0, ", $table, "_emergency_stack_top"),
            concat!("    add x0, x0, :lo12:", $table, "_emergency_stack_top"),
            "    mov sp, x0",
            // Each CPU its own emergency stack (MPIDR Aff0, the GICv2's 8 CPUs), 16 KiB apart.
            "    mrs x0, mpidr_el1",
            "    and x0, x0, #7",
            "    lsl x0, x0, #14",
            "    sub sp, sp, x0",
            concat!("    mrs x0, tpidr_el", $el),
            "    sub sp, sp, #272",
            "    stp x0, x1, [sp, #0]",
            "    mov x1, #4",
            concat!("    b ", $table, "_common"),
            vector_table!(@entry $table, 5),
            vector_table!(@entry $table, 6),
            vector_table!(@entry $table, 7),
            ".balign 0x80",
            "    sub sp, sp, #272",
            "    stp x0, x1, [sp, #0]",
            concat!("    mrs x0, esr_el", $el),
            "    lsr x0, x0, #26",
            concat!("    cmp x0, #", $call),
            "    b.ne 9f",
            // The call's index into the fast-call mask in `$index` (x0 and x1 are saved).
            $($number,)*
            concat!("    cmp ", $index, ", #63"),
            "    b.hi 9f",
            "    adrp x1, WELLS_AARCH64_FAST_CALLS",
            "    ldr x1, [x1, :lo12:WELLS_AARCH64_FAST_CALLS]",
            concat!("    lsr x1, x1, ", $index),
            concat!("    tbnz x1, #0, ", $table, "_fast_call"),
            "9:",
            "    mov x1, #8",
            concat!("    b ", $table, "_common"),
            vector_table!(@entry $table, 9),
            vector_table!(@entry $table, 10),
            vector_table!(@entry $table, 11),
            vector_table!(@entry $table, 12),
            vector_table!(@entry $table, 13),
            vector_table!(@entry $table, 14),
            vector_table!(@entry $table, 15),
            concat!($table, "_common:"),
            save_x2_to_x29!(),
            concat!("    mrs x9, elr_el", $el),
            concat!("    mrs x10, spsr_el", $el),
            "    mrs x11, sp_el0",
            "    stp x30, x9, [sp, #240]",
            "    stp x10, x11, [sp, #256]",
            "    mov x0, sp",
            "    bl wells_aarch64_trap",
            concat!($table, "_return:"),
            "    ldp x10, x11, [sp, #256]",
            "    ldp x30, x9, [sp, #240]",
            concat!("    msr elr_el", $el, ", x9"),
            concat!("    msr spsr_el", $el, ", x10"),
            "    msr sp_el0, x11",
            restore_x0_to_x29!(),
            "    add sp, sp, #272",
            "    eret",
            // The fast call: x0 and x1 are saved already.
            concat!($table, "_fast_call:"),
            "    stp x2, x3, [sp, #16]",
            "    stp x4, x5, [sp, #32]",
            "    stp x6, x7, [sp, #48]",
            "    stp x8, x9, [sp, #64]",
            "    stp x10, x11, [sp, #80]",
            "    stp x12, x13, [sp, #96]",
            "    stp x14, x15, [sp, #112]",
            "    stp x16, x17, [sp, #128]",
            "    str x18, [sp, #144]",
            "    str x30, [sp, #240]",
            "    adrp x1, WELLS_AARCH64_FAST_HANDLER",
            "    ldr x1, [x1, :lo12:WELLS_AARCH64_FAST_HANDLER]",
            "    mov x0, sp",
            "    blr x1",
            concat!("    cbz w0, ", $table, "_slow_call"),
            "    ldr x30, [sp, #240]",
            "    ldr x18, [sp, #144]",
            "    ldp x16, x17, [sp, #128]",
            "    ldp x14, x15, [sp, #112]",
            "    ldp x12, x13, [sp, #96]",
            "    ldp x10, x11, [sp, #80]",
            "    ldp x8, x9, [sp, #64]",
            "    ldp x6, x7, [sp, #48]",
            "    ldp x4, x5, [sp, #32]",
            "    ldp x2, x3, [sp, #16]",
            "    ldp x0, x1, [sp, #0]",
            "    add sp, sp, #272",
            "    eret",
            // Not a fast one: the callee-saved registers are as they came (the fast handler
            // kept them), the others are in the frame; complete it and take the full path.
            concat!($table, "_slow_call:"),
            "    str x19, [sp, #152]",
            "    stp x20, x21, [sp, #160]",
            "    stp x22, x23, [sp, #176]",
            "    stp x24, x25, [sp, #192]",
            "    stp x26, x27, [sp, #208]",
            "    stp x28, x29, [sp, #224]",
            concat!("    mrs x9, elr_el", $el),
            concat!("    mrs x10, spsr_el", $el),
            "    mrs x11, sp_el0",
            "    str x9, [sp, #248]",
            "    stp x10, x11, [sp, #256]",
            "    mov x0, sp",
            "    mov x1, #8",
            "    bl wells_aarch64_trap",
            concat!("    b ", $table, "_return"),
            concat!(".section .bss.", $table, "_emergency_stack, \"aw\", %nobits"),
            ".balign 16",
            "    .space 16384 * 8",
            concat!($table, "_emergency_stack_top:"),
        );
    };
    (@entry $table:literal, $index:literal) => {
        vector_entry!(272, $table, "_common", $index)
    };
}

// Exception classes of the calls from below: SVC from AArch64 (0x15), HVC from AArch64 (0x16).
// The number of a call: x8 for a system call; for a hypercall, its SMCCC function ID in x0
// (bit 30, SMC64 against SMC32, cleared) less 0x8600_0000 (wells' own range).
vector_table!("wells_aarch64_vectors", "1", "0x15", "x8",);
vector_table!("wells_aarch64_el2_vectors", "2", "0x16", "x0", "    ldr w0, [sp, #0]", "    and w0, w0, #0xbfffffff", "    mov w1, #0x86000000", "    sub w0, w0, w1");
