//! What the board does with each exception: timer interrupts drive the kernel; anything
//! unexpected is reported (class, ESR, FAR, ELR) and ends the run with a failure status.

use crate::board::{current_kernel, Console};
use crate::gic;
use core::fmt::Write;
use wells_core::arch::aarch64::{virtual_timer_cancel, Syndrome, TrapFrame, TrapKind};
use wells_core::arch::aarch64::exceptions::{Class, Source};
use crate::tasks;
use wells_core::arch::aarch64::mmu;

/// Exit status when the kernel itself takes an unexpected exception.
const KERNEL_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut TrapFrame, kind: TrapKind) {
    let from_user = matches!(kind.source, Source::Lower64 | Source::Lower32);
    match kind.class {
        Class::Irq => interrupt(),
        Class::Synchronous if from_user => user_synchronous(frame, kind),
        _ => unexpected(frame, kind),
    }
}

/// A system call, or a fault of a user task: the task is stopped, the kernel goes on.
fn user_synchronous(frame: &mut TrapFrame, kind: TrapKind) {
    let syndrome = Syndrome::read();
    match syndrome.class() {
        0x15 | 0x11 => tasks::syscalls::handle(frame, kind.source == Source::Lower32),
        class if syndrome.far_valid() => tasks::stop_current(
            -1000 - class as i32,
            format_args!(
                "{} (ESR=0x{:08x} FAR=0x{:x} ELR=0x{:x})",
                syndrome.describe(),
                syndrome.esr,
                syndrome.far,
                frame.elr
            ),
        ),
        class => tasks::stop_current(
            -1000 - class as i32,
            format_args!("{} (ESR=0x{:08x} ELR=0x{:x})", syndrome.describe(), syndrome.esr, frame.elr),
        ),
    }
}

fn interrupt() {
    let id = gic::acknowledge();
    if id >= 1020 {
        return;
    }
    // One-shot: the line drops here and the kernel arms the next deadline itself.
    if id == gic::VIRTUAL_TIMER {
        virtual_timer_cancel();
    }
    gic::end(id);
    if id == gic::VIRTUAL_TIMER {
        if let Some(kernel) = current_kernel() {
            kernel.timer_interrupt();
        }
    }
}

fn unexpected(frame: &TrapFrame, kind: TrapKind) -> ! {
    let syndrome = Syndrome::read();
    let mut out = Console;
    if syndrome.far_valid() && !mmu::kernel_mapped(syndrome.far as usize) && crate::memory::in_heap(syndrome.far as usize) {
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
    crate::semihosting::exit(KERNEL_FAULT_STATUS)
}
