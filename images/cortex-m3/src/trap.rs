//! What the board does with each trap into the kernel: PendSV drives the kernel's timer, SVC
//! from a task is a system call, a task's fault stops that task; a fault of the kernel itself
//! is reported (CFSR, HFSR, MMFAR, BFAR, stacked PC) and ends the run with a failure status.

use crate::tasks::Svc;
use crate::Board;
use core::fmt::Write;
use wells_board_common::supervisor::{stop_current, syscalls};
use wells_board_common::{Console, Platform};
use wells_core::arch::armv7m::exceptions::{PENDSV, SVCALL};
use wells_core::arch::armv7m::{scb, FaultReport, TrapFrame};
use wells_core::telemetry::EventKind;

/// Exit status when the kernel itself faults.
const KERNEL_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut TrapFrame) {
    // While partitions run, every trap is theirs (`partitions::executive`).
    #[cfg(feature = "hypervisor")]
    if crate::partitions::executive::active() {
        return crate::partitions::executive::trap(frame);
    }
    match frame.exception {
        PENDSV => {
            // Trace points (`cargo xtask trace`): compiled out unless the image traces; the
            // argument is the exception number.
            let traced = wells_board_common::trace::on();
            if let (true, Some(kernel)) = (traced, Board::slot().get()) {
                kernel.trace(EventKind::IrqEnter, PENDSV as u64);
            }
            if let Some(kernel) = Board::slot().get() {
                kernel.timer_interrupt();
            }
            if let (true, Some(kernel)) = (traced, Board::slot().get()) {
                kernel.trace(EventKind::IrqExit, PENDSV as u64);
            }
        }
        SVCALL => syscalls::handle::<Board>(Svc(frame)),
        _ => user_fault(frame),
    }
}

fn fault_name(exception: u32) -> &'static str {
    match exception {
        3 => "HardFault",
        4 => "MemManage fault",
        5 => "BusFault",
        6 => "UsageFault",
        _ => "exception",
    }
}

/// A fault of a task: the task is stopped, the kernel goes on.
fn user_fault(frame: &mut TrapFrame) {
    let cfsr = scb::read(scb::CFSR);
    let (mmfar, bfar) = (scb::read(scb::MMFAR), scb::read(scb::BFAR));
    // Write-one-to-clear, so the next fault reports only itself.
    scb::write(scb::CFSR, cfsr);
    let stacked = cfsr & ((1 << 4) | (1 << 12)) == 0;
    // SAFETY: the CPU pushed the frame (stacking did not fault).
    let pc = if stacked { unsafe { frame.stacked().pc } } else { 0 };
    let exception = frame.exception;
    stop_current::<Board>(
        -1000 - exception as i32,
        format_args!(
            "{} (CFSR=0x{:08x} MMFAR=0x{:08x} BFAR=0x{:08x} PC=0x{:08x}{})",
            fault_name(exception),
            cfsr,
            mmfar,
            bfar,
            pc,
            if stacked { "" } else { ", stacking failed" }
        ),
    )
}

/// A fault of the kernel: report loudly and stop.
pub(crate) fn kernel_fault(report: &FaultReport) -> ! {
    let mut out = Console::<Board>::new();
    let _ = writeln!(
        out,
        "wells: kernel fault: {} (exception {})\n  CFSR=0x{:08x} HFSR=0x{:08x} MMFAR=0x{:08x} BFAR=0x{:08x} EXC_RETURN=0x{:08x}",
        fault_name(report.exception),
        report.exception,
        report.cfsr,
        report.hfsr,
        report.mmfar,
        report.bfar,
        report.exc_return,
    );
    match report.frame {
        Some(f) => {
            let _ = writeln!(out, "  stacked PC=0x{:08x} LR=0x{:08x} xPSR=0x{:08x} R0=0x{:08x} R12=0x{:08x}", f.pc, f.lr, f.xpsr, f.r0, f.r12);
        }
        None => {
            let _ = writeln!(out, "  no stacked frame (stacking itself faulted: stack overflow?)");
        }
    }
    wells_core::arch::armv7m::semihosting::exit(KERNEL_FAULT_STATUS)
}
