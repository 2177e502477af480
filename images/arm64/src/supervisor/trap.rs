//! What the board does with each exception: timer interrupts drive the kernel; system calls
//! and faults of user tasks go to the shared task code; anything unexpected is reported (class,
//! ESR, FAR, ELR) and ends the run with a failure status.

use super::board::{GIC, VIRTUAL_TIMER};
use super::tasks::Svc;
use super::Board;
use core::fmt::Write;
use wells_board_common::supervisor::{stop_current, syscalls};
use wells_board_common::{heap, Console};
use wells_core::arch::aarch64::exceptions::{Class, Source};
use wells_core::arch::aarch64::el1::mmu;
use wells_core::arch::aarch64::{Aarch64, FastCallRegisters, Syndrome, TrapFrame, TrapKind};
use wells_core::arch::Arch;

/// Exit status when the kernel itself takes an unexpected exception.
const KERNEL_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut TrapFrame, kind: TrapKind) {
    let from_user = matches!(kind.source, Source::Lower64 | Source::Lower32);
    match kind.class {
        Class::Irq => super::smp::note_interrupt(GIC.interrupt_id::<Board>(VIRTUAL_TIMER)),
        Class::Synchronous if from_user => user_synchronous(frame, kind),
        _ => unexpected(frame, kind),
    }
}

/// A system call from a 64-bit task, offered before the full frame is saved: the calls that
/// neither block nor switch (`syscalls::fast`) are answered here, status 0 in x0 and the value
/// in x1, as the full path would.
pub(crate) extern "C" fn fast_call(registers: &mut FastCallRegisters) -> bool {
    match syscalls::fast::<Board>(registers[8] as usize) {
        Some(value) => {
            registers[0] = 0;
            registers[1] = value;
            true
        }
        None => false,
    }
}

/// A system call, or a fault of a user task: the task is stopped, the kernel goes on.
fn user_synchronous(frame: &mut TrapFrame, kind: TrapKind) {
    #[cfg(all(feature = "smp", feature = "user"))]
    wells_board_common::smp_kernel::user_tasks::note_trap::<Board>();
    match Syndrome::class_el1() {
        0x15 | 0x11 => syscalls::handle::<Board>(Svc { frame, a32: kind.source == Source::Lower32 }),
        _ => user_fault(frame),
    }
}

/// A fault of a user task: it is stopped and reported. Out of line: the system-call path
/// above stays small.
#[cold]
#[inline(never)]
fn user_fault(frame: &TrapFrame) {
    let syndrome = Syndrome::read();
    match syndrome.class() {
        class if syndrome.far_valid() => stop_current::<Board>(
            -1000 - class as i32,
            format_args!(
                "{} (ESR=0x{:08x} FAR=0x{:x} ELR=0x{:x})",
                syndrome.describe(),
                syndrome.esr,
                syndrome.far,
                frame.elr
            ),
        ),
        class => stop_current::<Board>(
            -1000 - class as i32,
            format_args!("{} (ESR=0x{:08x} ELR=0x{:x})", syndrome.describe(), syndrome.esr, frame.elr),
        ),
    }
}

fn unexpected(frame: &TrapFrame, kind: TrapKind) -> ! {
    let syndrome = Syndrome::read();
    let mut out = Console::<Board>::new();
    // Said only with several CPUs up, where it matters which one faulted.
    let cpu = Aarch64.cpu_id();
    if cpu != 0 {
        let _ = writeln!(out, "wells: CPU {cpu} took a kernel fault");
    }
    if syndrome.far_valid() && !mmu::kernel_mapped(syndrome.far as usize) && heap::contains(syndrome.far as usize) {
        let _ = writeln!(out, "wells: kernel stack overflow: the guard page at 0x{:x} was hit", syndrome.far & !0xfff);
    }
    let _ = writeln!(
        out,
        "wells: unexpected exception: {} ({:?} from {:?})\n  ESR=0x{:08x} (class 0x{:02x}) FAR=0x{:016x}\n  ELR=0x{:016x} SPSR=0x{:08x} LR=0x{:016x}",
        syndrome.describe(),
        kind.class,
        kind.source,
        syndrome.esr,
        syndrome.class(),
        syndrome.far,
        frame.elr,
        frame.spsr,
        frame.x[30],
    );
    crate::exit::exit(KERNEL_FAULT_STATUS)
}
