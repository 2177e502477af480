//! Exception vectors for EL1 (a supervisor) and EL2 (a hypervisor): every exception saves a full
//! general-register frame on the current stack and calls the trap handler the board registered;
//! an exception with no handler parks the CPU.

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicUsize, Ordering};

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
    // SAFETY: the table is 2 KiB aligned code that saves and restores the full register frame.
    unsafe { asm!("adr {0}, wells_aarch64_vectors", "msr vbar_el1, {0}", "isb", out(reg) _, options(nostack)) };
}

/// Installs the EL2 vector table (the hypervisor's, see `el2`) and routes every exception
/// taken to EL2 to `handler`: "lower" sources are then the guests at EL1 and EL0.
pub fn set_el2_trap_handler(handler: TrapHandler) {
    HANDLER.store(handler as usize, Ordering::Release);
    // SAFETY: as above, for the table that uses the EL2 exception registers; only valid at EL2.
    unsafe { asm!("adr {0}, wells_aarch64_el2_vectors", "msr vbar_el2, {0}", "isb", out(reg) _, options(nostack)) };
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
/// [`TrapFrame`] and calls `wells_aarch64_trap` with its index. Synchronous exceptions at the
/// same level are always kernel faults (calls come from below), so they run on an emergency
/// stack: a kernel stack overflow into its guard page is reported instead of faulting again on
/// the frame push.
macro_rules! vector_table {
    ($table:literal, $el:literal) => {
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
            concat!("    mrs x0, tpidr_el", $el),
            "    sub sp, sp, #272",
            "    stp x0, x1, [sp, #0]",
            "    mov x1, #4",
            concat!("    b ", $table, "_common"),
            vector_table!(@entry $table, 5),
            vector_table!(@entry $table, 6),
            vector_table!(@entry $table, 7),
            vector_table!(@entry $table, 8),
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
            "    ldp x10, x11, [sp, #256]",
            "    ldp x30, x9, [sp, #240]",
            concat!("    msr elr_el", $el, ", x9"),
            concat!("    msr spsr_el", $el, ", x10"),
            "    msr sp_el0, x11",
            restore_x0_to_x29!(),
            "    add sp, sp, #272",
            "    eret",
            concat!(".section .bss.", $table, "_emergency_stack, \"aw\", %nobits"),
            ".balign 16",
            "    .space 16384",
            concat!($table, "_emergency_stack_top:"),
        );
    };
    (@entry $table:literal, $index:literal) => {
        vector_entry!(272, $table, "_common", $index)
    };
}

vector_table!("wells_aarch64_vectors", "1");
vector_table!("wells_aarch64_el2_vectors", "2");
