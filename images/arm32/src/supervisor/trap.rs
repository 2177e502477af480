//! What the supervisor does with each exception (vectors of `wells_core::arch::arm::exceptions`):
//! timer interrupts drive the kernel; system calls and faults of user tasks go to the shared
//! task code; anything unexpected is reported (mode, DFSR/DFAR, IFSR/IFAR decoded for the
//! board's MMU or MPU, PC, CPSR, SP and LR) and ends the run with a failure status.

use super::board::VIRTUAL_TIMER;
use super::protection::{describe_fault, guard_page_hit};
use super::tasks::Svc;
use super::Board;
use core::fmt::Write;
use wells_board_common::supervisor::{stop_current, syscalls};
use wells_board_common::Console;
use wells_core::arch::arm::exceptions::FaultStatus;
use wells_core::arch::arm::{mode, Armv7a, FastCallRegisters, TrapFrame, TrapKind};
use wells_core::arch::Arch;

/// Exit status when the kernel itself takes an unexpected exception.
const KERNEL_FAULT_STATUS: i32 = 101;

/// Exception classes of the AArch64 ESR, used for the exit codes of stopped tasks so the ABI
/// (`-1000 - class`, docs/syscalls.md) is the same on every A/R-profile Arm board.
pub mod class {
    pub const UNDEFINED: i32 = 0x00;
    pub const SVC32: i32 = 0x11;
    pub const INSTRUCTION_ABORT: i32 = 0x20;
    pub const DATA_ABORT: i32 = 0x24;
}

pub(crate) fn handle(frame: &mut TrapFrame, kind: TrapKind) {
    match kind {
        TrapKind::Irq => {
            // Counted per CPU for the bring-up of the other CPUs (`smp`).
            #[cfg(feature = "qemu-virt")]
            super::smp::note_interrupt(crate::board::interrupt::<Board>(VIRTUAL_TIMER));
            #[cfg(not(feature = "qemu-virt"))]
            crate::board::interrupt::<Board>(VIRTUAL_TIMER);
        }
        TrapKind::Svc if frame.from_user() => {
            note_trap();
            syscalls::handle::<Board>(Svc(frame))
        }
        TrapKind::Undefined | TrapKind::PrefetchAbort | TrapKind::DataAbort if frame.from_user() => {
            note_trap();
            user_fault(frame, kind)
        }
        _ => unexpected(frame, kind),
    }
}

/// A system call or fault of a user task: noted on this CPU for the SMP kernel test's tasks on
/// every CPU (`wells_board_common::smp_kernel::user_tasks`); nothing in other builds.
fn note_trap() {
    #[cfg(all(feature = "smp", feature = "user", feature = "qemu-virt"))]
    wells_board_common::smp_kernel::user_tasks::note_trap::<Board>();
}

/// A system call from USR, offered before the full frame is saved: the calls that neither
/// block nor switch (`syscalls::fast`) are answered here in r0-r2, as the full path would.
pub(crate) extern "C" fn fast_call(registers: &mut FastCallRegisters, number: u32) -> bool {
    syscalls::answer_fast::<Board>(number as usize, &mut FastSvc(registers, number))
}

/// The registers of a fast call with its number, read and answered as [`Svc`] does the frame.
struct FastSvc<'a>(&'a mut FastCallRegisters, u32);

impl syscalls::CallRegisters for FastSvc<'_> {
    fn call(&mut self) -> (usize, [u64; 4]) {
        let r = &self.0;
        (self.1 as usize, [r[0] as u64, r[1] as u64, r[2] as u64, r[3] as u64])
    }

    fn set_value(&mut self, value: u64, wide: bool) {
        self.0[0] = 0;
        self.0[1] = value as u32;
        if wide {
            self.0[2] = (value >> 32) as u32;
        }
    }

    fn set_error(&mut self, status: i64) {
        self.0[0] = status as u32;
        self.0[1] = 0;
    }

    fn unknown_call(&self) -> i32 {
        class::SVC32
    }
}

/// A fault of a user task: the task is stopped, the kernel goes on.
fn user_fault(frame: &TrapFrame, kind: TrapKind) -> ! {
    let status = FaultStatus::read();
    let pc = frame.faulting_pc(kind);
    match kind {
        TrapKind::Undefined => stop_current::<Board>(
            -1000 - class::UNDEFINED,
            format_args!("undefined instruction (PC=0x{pc:08x}{})", if frame.thumb() { ", Thumb" } else { "" }),
        ),
        _ => {
            let (fsr, far) = status.of(kind);
            let data = kind == TrapKind::DataAbort;
            let (what, code) = if data { ("data abort", class::DATA_ABORT) } else { ("prefetch abort", class::INSTRUCTION_ABORT) };
            let access = if data { if FaultStatus::write(fsr) { " on write" } else { " on read" } } else { "" };
            stop_current::<Board>(
                -1000 - code,
                format_args!(
                    "{what}{access}: {} ({}=0x{fsr:08x} {}=0x{far:08x} PC=0x{pc:08x})",
                    describe_fault(fsr),
                    if data { "DFSR" } else { "IFSR" },
                    if data { "DFAR" } else { "IFAR" },
                ),
            )
        }
    }
}

fn unexpected(frame: &TrapFrame, kind: TrapKind) -> ! {
    let status = FaultStatus::read();
    let mut out = Console::<Board>::new();
    let _ = writeln!(out, "wells: CPU {} took a kernel fault", Armv7a.cpu_id());
    if kind == TrapKind::DataAbort && guard_page_hit(status.dfar as usize) {
        let _ = writeln!(out, "wells: kernel stack overflow: the guard page at 0x{:x} was hit", status.dfar & !0xfff);
    }
    let what = match kind {
        TrapKind::Undefined => "undefined instruction",
        TrapKind::Svc => "SVC from the kernel",
        TrapKind::PrefetchAbort => "prefetch abort",
        TrapKind::DataAbort => "data abort",
        TrapKind::Irq => "IRQ",
        TrapKind::Fiq => "FIQ",
    };
    let detail = match kind {
        TrapKind::DataAbort => describe_fault(status.dfsr),
        TrapKind::PrefetchAbort => describe_fault(status.ifsr),
        _ => "",
    };
    let _ = writeln!(
        out,
        "wells: unexpected exception: {what} in {} mode{}{detail}\n  DFSR=0x{:08x} DFAR=0x{:08x} IFSR=0x{:08x} IFAR=0x{:08x}\n  PC=0x{:08x} CPSR=0x{:08x} SP_svc=0x{:08x} LR_svc=0x{:08x}",
        mode::name(frame.cpsr),
        if detail.is_empty() { "" } else { ": " },
        status.dfsr,
        status.dfar,
        status.ifsr,
        status.ifar,
        frame.faulting_pc(kind),
        frame.cpsr,
        frame.sp_svc,
        frame.lr_svc,
    );
    crate::board::exit(KERNEL_FAULT_STATUS)
}
