//! What the EL3 vectors call: an SMC from the normal world is answered by the SMC service;
//! anything else taken to EL3 (a fault of the monitor itself) is reported and ends the run.

use super::board::{say, SecureGpio, SMC};
use wells_core::arch::aarch64::el3::{self, El3Frame};

/// Exit status of an exception the monitor cannot answer.
const MONITOR_FAULT: i32 = 101;

pub(crate) fn handle(frame: &mut El3Frame) {
    let cpu = el3::this_cpu() as u32;
    match frame.smc_immediate() {
        // CPU 0 switches worlds; the others only reach the SMC service (PSCI, SMCCC): the
        // secure world is resident on CPU 0.
        Some(immediate) if cpu == 0 => super::worlds::smc(frame, immediate),
        Some(immediate) => SMC.answer(&mut frame.x, immediate, cpu, frame.spsr, &SecureGpio),
        // FIQ from a lower level (AArch64 or AArch32): the secure tick.
        None if matches!(frame.vector, 10 | 14) => super::worlds::fiq(frame),
        None => {
            say(format_args!(
                "unexpected exception at EL3: vector {}, ESR={:#x} ({}), ELR={:#x}, FAR={:#x}, SPSR={:#x}",
                frame.vector,
                frame.esr,
                wells_core::arch::hypervisor::guest_exit::describe(frame.class()),
                frame.elr,
                frame.far,
                frame.spsr
            ));
            crate::exit::exit(MONITOR_FAULT)
        }
    }
}
