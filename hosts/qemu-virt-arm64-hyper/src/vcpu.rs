//! The arm64 side of a VM: its stage-2 translation as the shared VM code uses it, and the
//! general registers of an exit, and a vCPU's guest registers (switched lazily, see
//! `wells_board_common::vms::LoadedVcpu`).

use alloc::format;
use alloc::string::String;
use crate::board::{GIC, GICH, GUEST_TIMER};
use wells_board_common::vgic::VgicCpu;
use wells_board_common::vms::{GuestRegisters, GuestSpace, VcpuRegisters};
use wells_core::arch::aarch64::el2::guest::GuestContext;
use wells_core::arch::aarch64::el2::stage2::Stage2;
use wells_core::arch::stage2::Rights;
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

/// A vCPU's guest registers on this board: EL1 state and the virtual CPU interface.
pub struct Vcpu {
    context: GuestContext,
    vgic: VgicCpu,
    /// The physical timer interrupt was active for this vCPU (forwarded, not yet ended by its
    /// guest): it is one per CPU, so it moves with the vCPU.
    timer_active: bool,
}

impl VcpuRegisters for Vcpu {
    fn reset() -> Vcpu {
        Vcpu { context: GuestContext::reset(), vgic: VgicCpu::reset(), timer_active: false }
    }

    fn save(&mut self) {
        self.context.save();
        self.vgic = VgicCpu::save(&GICH);
        // Its timer stops before the physical interrupt it holds is let go, so it cannot fire
        // again for a guest that is not in the CPU.
        GuestContext::stop_timer();
        self.timer_active = GIC.is_active(GUEST_TIMER);
        GIC.set_active(GUEST_TIMER, false);
    }

    fn restore(&self) {
        GIC.set_active(GUEST_TIMER, self.timer_active);
        self.vgic.restore(&GICH);
        self.context.restore();
    }

    fn quiesce() {
        GuestContext::stop_timer();
        GICH.disable();
        GIC.set_active(GUEST_TIMER, false);
    }

    fn mask_timer() {
        GuestContext::mask_live_timer();
    }
}
