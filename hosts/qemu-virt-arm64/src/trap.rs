//! What the board does with each exception: timer interrupts drive the kernel; anything
//! unexpected is reported (class, ESR, FAR, ELR) and ends the run with a failure status.

use crate::board::{current_kernel, Console};
use crate::gic;
use core::fmt::Write;
use wells_core::arch::aarch64::{virtual_timer_cancel, Syndrome, TrapFrame, TrapKind};
use wells_core::arch::aarch64::exceptions::Class;

/// Exit status when the kernel itself takes an unexpected exception.
const KERNEL_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut TrapFrame, kind: TrapKind) {
    match kind.class {
        Class::Irq => interrupt(),
        _ => unexpected(frame, kind),
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
