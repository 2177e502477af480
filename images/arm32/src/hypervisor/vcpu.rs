//! The ARMv7 side of a VM: the general registers of an exit (banked per guest mode), and a
//! vCPU's guest registers (switched lazily, see `wells_board_common::hypervisor::LoadedVcpu`).
//! Its stage-2 tables are `wells_board_common::hypervisor::image::Stage2Space`.

use super::board::{Board, GIC, GICH};
use wells_board_common::gic::Gic;
use wells_board_common::hypervisor::vgic::Gich;
use wells_board_common::hypervisor::{GicBoard, GicVcpu, GuestRegisters};
use wells_core::arch::arm::hyp::guest::GuestContext;
use wells_core::arch::arm::hyp::HypFrame;
use wells_core::arch::arm::mode;

/// The general registers of an exit as the guest's mode at the exit sees them: r0..r12 and
/// USR's LR in the trap frame on the vCPU thread's stack; SP, LR (and FIQ's r8..r12) banked
/// per mode, in the CPU, which holds the exiting vCPU's registers. Those are read and written
/// through a copy of its PL1 state (rarely: only a load or store through SP or LR reaches them).
pub struct Registers<'a> {
    pub frame: &'a mut HypFrame,
}

/// Where register `n` of a guest in `mode` lives.
enum Slot {
    Frame(usize),
    LrUsr,
    Banked,
    Nowhere,
}

fn slot(mode: u32, n: usize) -> Slot {
    match (mode, n) {
        (mode::FIQ, 8..=14) => Slot::Banked,
        (_, 0..=12) => Slot::Frame(n),
        (mode::USR | mode::SYS, 14) => Slot::LrUsr,
        (mode::USR | mode::SYS | mode::SVC | mode::ABT | mode::UND | mode::IRQ, 13 | 14) => Slot::Banked,
        _ => Slot::Nowhere,
    }
}

/// The banked register `n` of `mode` in a saved context.
fn banked(context: &mut GuestContext, mode: u32, n: usize) -> Option<&mut u32> {
    match (mode, n) {
        (mode::FIQ, 8..=14) => context.fiq.get_mut(n - 8),
        (mode::USR | mode::SYS, 13) => Some(&mut context.sp_usr),
        (mode::SVC, 13 | 14) => context.svc.get_mut(n - 13),
        (mode::ABT, 13 | 14) => context.abt.get_mut(n - 13),
        (mode::UND, 13 | 14) => context.und.get_mut(n - 13),
        (mode::IRQ, 13 | 14) => context.irq.get_mut(n - 13),
        _ => None,
    }
}

impl GuestRegisters for Registers<'_> {
    fn get(&self, n: usize) -> u64 {
        let mode = self.frame.spsr & 0x1f;
        let value = match slot(mode, n) {
            Slot::Frame(n) => self.frame.r[n],
            Slot::LrUsr => self.frame.lr_usr,
            Slot::Banked => {
                let mut context = GuestContext::default();
                context.save();
                banked(&mut context, mode, n).map_or(0, |r| *r)
            }
            Slot::Nowhere => 0,
        };
        value as u64
    }

    fn set(&mut self, n: usize, value: u64) {
        let mode = self.frame.spsr & 0x1f;
        match slot(mode, n) {
            Slot::Frame(n) => self.frame.r[n] = value as u32,
            Slot::LrUsr => self.frame.lr_usr = value as u32,
            Slot::Banked => {
                let mut context = GuestContext::default();
                context.save();
                if let Some(register) = banked(&mut context, mode, n) {
                    *register = value as u32;
                }
                context.restore();
            }
            Slot::Nowhere => {}
        }
    }
}

/// A vCPU's guest registers on this board.
pub type Vcpu = GicVcpu<Board>;

impl GicBoard for Board {
    type Guest = GuestContext;

    fn gic() -> &'static Gic {
        &GIC
    }

    fn gich() -> &'static Gich {
        &GICH
    }
}
