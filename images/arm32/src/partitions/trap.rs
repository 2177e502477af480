//! Every exception taken to EL2: a partition's exit decoded from the syndrome (HSR) into what the
//! executive does with it, an interrupt (the window's end), or the hypervisor's own fault, which
//! ends the run with its registers.

use super::board::Out;
use super::executive::{self, Exit};
use super::{hypercalls, vgic};
use crate::facts;
use alloc::format;
use core::fmt::Write;
use wells_core::arch::armv8r::el2::{guest, HypFrame, HypSyndrome, HypTrapKind};
use wells_core::arch::hypervisor::guest_exit::{self, MmioAccess};

/// Exception classes (HSR bits 31:26).
const WFI_WFE: u8 = 0x01;
const HVC: u8 = 0x12;
const SMC: u8 = 0x13;
const INSTRUCTION_ABORT: u8 = 0x20;
const DATA_ABORT: u8 = 0x24;

/// Exit status when the hypervisor itself faults.
const HYPERVISOR_FAULT: i32 = 101;

pub(crate) fn handle(frame: &mut HypFrame, kind: HypTrapKind) {
    if frame.from_hyp() {
        let syndrome = HypSyndrome::read();
        let _ = writeln!(
            Out,
            "wells: unexpected exception in the hypervisor: {kind:?}, HSR={:#x} HDFAR={:#x} HIFAR={:#x} PC={:#x}",
            syndrome.hsr, syndrome.hdfar, syndrome.hifar, frame.elr
        );
        crate::board::exit(HYPERVISOR_FAULT);
    }
    match kind {
        HypTrapKind::Irq => executive::interrupt(frame),
        HypTrapKind::Fiq => {}
        _ => {
            let exit = decode(frame, HypSyndrome::read());
            executive::exit(frame, exit);
        }
    }
}

/// What a partition's synchronous exit asks for. The UART and the GIC are emulated (loads and
/// stores of 1 or 4 bytes with a valid syndrome, through any register of the guest's mode); any
/// other abort is a fault.
fn decode(frame: &mut HypFrame, syndrome: HypSyndrome) -> Exit {
    let hsr = syndrome.hsr as u64;
    let class = guest_exit::class(hsr);
    let where_ = |frame: &HypFrame| format!("HSR={:#x} ELR={:#x}", syndrome.hsr, frame.elr);
    match class {
        // HVC returns after itself; a trapped SMC returns to itself, so it is stepped over.
        HVC | SMC => {
            if class == SMC {
                frame.elr += guest_exit::instruction_length(hsr) as u32;
            }
            let args = [frame.r[0], frame.r[1], frame.r[2], frame.r[3], frame.r[4]];
            executive::with_running(|spec, ram, devices| hypercalls::call(spec.name, ram, devices, args))
        }
        WFI_WFE => {
            frame.elr += guest_exit::instruction_length(hsr) as u32;
            Exit::Wait
        }
        DATA_ABORT => {
            let address = syndrome.hdfar as usize;
            let uart = facts::CONSOLE_BASE..facts::CONSOLE_BASE + facts::CONSOLE_SIZE;
            // Emulated only for a partition given the device.
            let emulated = executive::with_running(|spec, _, _| {
                (spec.uart && uart.contains(&address)) || (spec.gic && vgic::frame(address).is_some())
            });
            match MmioAccess::decode(hsr) {
                Some(access) if emulated && matches!(access.size, 1 | 4) => {
                    let register = access.register as usize;
                    let done = executive::with_running(|spec, _, devices| match (vgic::frame(address), access.write) {
                        (Some(part), true) => guest::register(frame, register).map(|value| devices.gic.write(part, access.size, value)).is_some(),
                        (Some(part), false) => guest::set_register(frame, register, devices.gic.read(part, access.size)),
                        (None, true) => guest::register(frame, register).map(|value| devices.uart.write(spec.name, address - facts::CONSOLE_BASE, value)).is_some(),
                        (None, false) => guest::set_register(frame, register, devices.uart.read(address - facts::CONSOLE_BASE)),
                    });
                    if !done {
                        return Exit::Fault(format!("device access through r{register} at {address:#x} cannot be emulated ({})", where_(frame)));
                    }
                    frame.elr += guest_exit::instruction_length(hsr) as u32;
                    Exit::Resume
                }
                _ => Exit::Fault(format!("data abort at {address:#x}, outside its partition ({})", where_(frame))),
            }
        }
        INSTRUCTION_ABORT => Exit::Fault(format!("instruction abort at {:#x}, outside its partition ({})", syndrome.hifar, where_(frame))),
        other => Exit::Fault(format!("{} ({})", guest_exit::describe(other), where_(frame))),
    }
}
