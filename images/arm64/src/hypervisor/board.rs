//! The board as the core and the shared code see it: the CPU at EL2, console, the EL2 physical
//! timer, the heap (VM RAM comes from it), and the VMs.

use crate::facts;
use super::vcpu::Vcpu;
use core::fmt::Write;
use wells_board_common::gic::Gic;
use wells_board_common::pl011::Pl011;
use wells_board_common::hypervisor::vgic::Gich;
use wells_board_common::hypervisor::image::Stage2Space;
use wells_board_common::Console;
use wells_core::arch::aarch64::el2::stage2::Stage2;
use wells_core::arch::aarch64::el2::{self, Aarch64El2};
use wells_core::arch::aarch64;

// SAFETY: the board's GICv2 distributor and CPU interface (EL2 runs with physical addresses).
pub(crate) static GIC: Gic = unsafe { Gic::new(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_CPU_BASE) };
// SAFETY: the board's PL011 UART0.
pub(crate) static UART: Pl011 = unsafe { Pl011::new(facts::CONSOLE_BASE) };
// SAFETY: the board's GICv2 virtual interface control block (with virtualization=on).
pub(crate) static GICH: Gich = unsafe { Gich::new(facts::GIC_HYPERVISOR_BASE) };
/// EL2 physical timer private interrupt.
pub(crate) const HYP_TIMER: u32 = facts::TIMER_EL2_PHYSICAL_INTID;
/// EL1 virtual timer private interrupt: the guests' timer.
pub(crate) const GUEST_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

/// A kernel created on this board; its timer reaches it while it lives.
pub type KernelOnBoard = wells_board_common::KernelOnBoard<Board>;

/// What the application gets: the entry level and ways to make kernels and VMs.
pub struct Board {
    pub entry_el: u8,
}

impl Board {
    pub(crate) fn new(entry_el: u8) -> Board {
        Board { entry_el }
    }

    /// Says where we started and where we run.
    pub(crate) fn announce(&self) {
        let mut out = Console::<Board>::new();
        let _ = writeln!(out, "wells hypervisor on qemu-virt-arm64: entered at EL{}", self.entry_el);
        if self.entry_el == 3 {
            let _ = writeln!(out, "wells: EL3 configured (non-secure, AArch64 EL2), dropped to EL2");
        }
        // The two ways up, said plainly (`boot::level_main` takes them).
        if cfg!(feature = "normal-world") {
            let _ = writeln!(out, "wells hypervisor: join below the wells monitor: EL3, the secure world and the secure timer are the monitor's (left alone); established EL2 only; guests' secure and machine PSCI calls go up by SMC");
        } else {
            let _ = writeln!(out, "wells hypervisor: establish: no wells monitor above, EL2 is the top level wells runs");
        }
        // Read back, so the line says what the CPU does: HCR_EL2 VM (bit 0), FMO/IMO/AMO (3-5),
        // TWI/TWE (13-14), TSC (19); CPTR_EL2 TFP (10).
        let (hcr, vtcr, cptr) = el2::controls();
        let all = |value: u64, bits: u64, yes: &'static str, no: &'static str| if value & bits == bits { yes } else { no };
        let _ = writeln!(
            out,
            "wells: running at EL{}: stage 2 {}, IRQ/FIQ/SError {} EL2, WFI/WFE/SMC {}, guest FP {} (HCR_EL2={hcr:#x} VTCR_EL2={vtcr:#x} CPTR_EL2={cptr:#x}), GICv2 virtual CPU interface",
            aarch64::current_el(),
            all(hcr, 1, "on", "OFF"),
            all(hcr, 0b111 << 3, "to", "NOT to"),
            all(hcr, (0b11 << 13) | (1 << 19), "trapped", "NOT trapped"),
            all(cptr, 1 << 10, "trapped", "NOT trapped"),
        );
    }
}

wells_board_common::hypervisor_platform!(Board, cpu: Aarch64El2, console: UART, facts: facts, space: Stage2Space<Stage2>, vcpu: Vcpu);
