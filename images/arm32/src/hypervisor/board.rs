//! The board as the core and the shared code see it: the CPU in HYP mode, console, the HYP
//! physical timer, the heap (VM RAM comes from it), and the VMs.

use super::vcpu::Vcpu;
pub(crate) use crate::board::{GIC, UART};
use crate::facts;
use core::fmt::Write;
use wells_board_common::hypervisor::vgic::Gich;
use wells_board_common::hypervisor::image::Stage2Space;
use wells_board_common::Console;
use wells_core::arch::arm::hyp::stage2::Stage2;
use wells_core::arch::arm::hyp::{self, ArmHyp};
use wells_core::arch::arm::{self, mode};

// SAFETY: the board's GICv2 virtual interface control block (with virtualization=on).
pub(crate) static GICH: Gich = unsafe { Gich::new(facts::GIC_HYPERVISOR_BASE) };
/// HYP physical timer private interrupt.
pub(crate) const HYP_TIMER: u32 = facts::TIMER_EL2_PHYSICAL_INTID;
/// PL1 virtual timer private interrupt: the guests' timer.
pub(crate) const GUEST_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

/// A kernel created on this board; its timer reaches it while it lives.
pub type KernelOnBoard = wells_board_common::KernelOnBoard<Board>;

/// What the application gets: the entry mode and ways to make kernels and VMs.
pub struct Board {
    pub entry_mode: u32,
}

impl Board {
    pub(crate) fn new(entry_mode: u32) -> Board {
        Board { entry_mode }
    }

    /// Says where we started and where we run.
    pub(crate) fn announce(&self) {
        // Read back, so the line says what the CPU does: HCR VM (bit 0), FMO/IMO/AMO (3-5),
        // TWI/TWE (13-14), TSC (19); HCPTR TCP0..13.
        let (hcr, vtcr, hcptr) = hyp::controls();
        let all = |value: u32, bits: u32, yes: &'static str, no: &'static str| if value & bits == bits { yes } else { no };
        let _ = writeln!(
            Console::<Board>::new(),
            "wells hypervisor on qemu-virt-arm32: entered in {} mode\nwells: running in {} mode: stage 2 {}, IRQ/FIQ/aborts {} HYP, WFI/WFE/SMC {}, guest coprocessors {} (HCR={hcr:#x} VTCR={vtcr:#x} HCPTR={hcptr:#x}), GICv2 virtual CPU interface",
            mode::name(self.entry_mode),
            mode::name(arm::current_mode()),
            all(hcr, 1, "on", "OFF"),
            all(hcr, 0b111 << 3, "to", "NOT to"),
            all(hcr, (0b11 << 13) | (1 << 19), "trapped", "NOT trapped"),
            all(hcptr, 0x3fff, "trapped", "NOT trapped"),
        );
    }
}

wells_board_common::hypervisor_platform!(Board, cpu: ArmHyp, console: UART, facts: facts, space: Stage2Space<Stage2>, vcpu: Vcpu);
