//! The arm64 side of a VM: the general registers of an exit, and a vCPU's guest registers
//! (switched lazily, see `wells_board_common::hypervisor::LoadedVcpu`). Its stage-2 tables are
//! `wells_board_common::hypervisor::image::Stage2Space`.

use super::board::{Board, GIC, GICH};
use wells_board_common::gic::Gic;
use wells_board_common::hypervisor::vgic::Gich;
use wells_board_common::hypervisor::{GicBoard, GicVcpu, GuestRegisters};
use wells_core::arch::aarch64::el2::guest::GuestContext;
use wells_core::arch::aarch64::TrapFrame;

/// x0..x30 of an exit, in the frame on the vCPU thread's stack (x31 reads as zero).
pub struct Registers<'a>(pub &'a mut TrapFrame);

impl GuestRegisters for Registers<'_> {
    fn get(&self, n: usize) -> u64 {
        self.0.x.get(n).copied().unwrap_or(0)
    }

    fn set(&mut self, n: usize, value: u64) {
        if let Some(register) = self.0.x.get_mut(n) {
            *register = value;
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
