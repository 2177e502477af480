//! The ARMv7 side of a VM: its stage-2 translation as the shared VM code uses it, and the
//! general registers of an exit (banked per guest mode).

use alloc::format;
use alloc::string::String;
use wells_board_common::vms::{GuestRegisters, GuestSpace};
use wells_core::arch::arm::hyp::stage2::Stage2;
use wells_core::arch::arm::hyp::guest::GuestContext;
use wells_core::arch::arm::hyp::HypFrame;
use wells_core::arch::arm::mode;
use wells_core::arch::stage2::Rights;

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
        self.0.token()
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// The general registers of an exit as the guest's mode at the exit sees them: r0..r12 and
/// USR's LR in the trap frame on the vCPU thread's stack; SP, LR (and FIQ's r8..r12) banked
/// per mode, in the guest's saved PL1 state (loaded back before it resumes).
pub struct Registers<'a> {
    pub frame: &'a mut HypFrame,
    pub context: &'a mut GuestContext,
}

impl GuestRegisters for Registers<'_> {
    fn get(&self, n: usize) -> u64 {
        let context = &*self.context;
        let value = match (self.frame.spsr & 0x1f, n) {
            (mode::FIQ, 8..=14) => context.fiq.get(n - 8).copied(),
            (_, 0..=12) => self.frame.r.get(n).copied(),
            (mode::USR | mode::SYS, 13) => Some(context.sp_usr),
            (mode::USR | mode::SYS, 14) => Some(self.frame.lr_usr),
            (mode::SVC, 13 | 14) => Some(context.svc[n - 13]),
            (mode::ABT, 13 | 14) => Some(context.abt[n - 13]),
            (mode::UND, 13 | 14) => Some(context.und[n - 13]),
            (mode::IRQ, 13 | 14) => Some(context.irq[n - 13]),
            _ => None,
        };
        value.unwrap_or(0) as u64
    }

    fn set(&mut self, n: usize, value: u64) {
        let (value, context) = (value as u32, &mut *self.context);
        match (self.frame.spsr & 0x1f, n) {
            (mode::FIQ, 8..=14) => context.fiq[n - 8] = value,
            (_, 0..=12) => self.frame.r[n] = value,
            (mode::USR | mode::SYS, 13) => context.sp_usr = value,
            (mode::USR | mode::SYS, 14) => self.frame.lr_usr = value,
            (mode::SVC, 13 | 14) => context.svc[n - 13] = value,
            (mode::ABT, 13 | 14) => context.abt[n - 13] = value,
            (mode::UND, 13 | 14) => context.und[n - 13] = value,
            (mode::IRQ, 13 | 14) => context.irq[n - 13] = value,
            _ => {}
        }
    }
}
