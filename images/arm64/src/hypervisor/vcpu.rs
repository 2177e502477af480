//! The arm64 side of a VM: its stage-2 translation as the shared VM code uses it, and the
//! general registers of an exit, and a vCPU's guest registers (switched lazily, see
//! `wells_board_common::hypervisor::LoadedVcpu`).

use alloc::format;
use alloc::string::String;
use super::board::{Board, GIC, GICH};
use wells_board_common::gic::Gic;
use wells_board_common::hypervisor::vgic::Gich;
use wells_board_common::hypervisor::{GicBoard, GicVcpu, GuestRegisters, GuestSpace};
use wells_core::arch::aarch64::el2::guest::GuestContext;
use wells_core::arch::aarch64::el2::stage2::Stage2;
use wells_core::arch::hypervisor::stage2::Rights;
use wells_core::arch::aarch64::TrapFrame;

/// A VM's stage-2 tables.
pub struct VmSpace(Stage2);

impl GuestSpace for VmSpace {
    fn new(vmid: u8) -> Result<Self, String> {
        if vmid == 0 {
            return Err(String::from("VMID 0 is the hypervisor's"));
        }
        Ok(VmSpace(Stage2::new(vmid)))
    }

    fn map_ram(&mut self, ipa: usize, pa: usize, size: usize) -> Result<(), String> {
        self.0.map(ipa, pa, size, Rights::RAM).map_err(|e| format!("stage 2 {ipa:#x}+{size:#x}: {e:?}"))
    }

    fn map_device(&mut self, ipa: usize, pa: usize, size: usize) -> Result<(), String> {
        self.0.map(ipa, pa, size, Rights::DEVICE).map_err(|e| format!("stage 2 {ipa:#x}+{size:#x}: {e:?}"))
    }

    fn token(&self) -> usize {
        self.0.vttbr() as usize
    }

    fn flush(&self) {
        self.0.flush();
    }
}

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
