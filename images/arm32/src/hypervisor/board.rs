//! The board as the core and the shared code see it: the CPU in HYP mode, console, the HYP
//! physical timer, the heap (VM RAM comes from it), and the VMs.

use super::vcpu::{Vcpu, VmSpace};
pub(crate) use crate::board::{GIC, UART};
use crate::facts;
use alloc::boxed::Box;
use core::fmt::Write;
use wells_board_common::timer_host::{GenericTimer, TimerHost};
use wells_board_common::hypervisor::vgic::Gich;
use wells_board_common::hypervisor::{GuestEntry, LoadedVcpu, VmPlatform, Vms};
use wells_board_common::{irq_restore, irq_save, Console, KernelSlot, Platform};
use wells_core::Arch;
use wells_core::arch::arm::hyp::{self, guest, ArmHyp};
use wells_core::arch::arm::{self, mode};
use wells_core::mem::{HeapStats, KernelHeap};

// SAFETY: the board's GICv2 virtual interface control block (with virtualization=on).
pub(crate) static GICH: Gich = unsafe { Gich::new(facts::GIC_HYPERVISOR_BASE) };
/// HYP physical timer private interrupt.
pub(crate) const HYP_TIMER: u32 = facts::TIMER_EL2_PHYSICAL_INTID;
/// PL1 virtual timer private interrupt: the guests' timer.
pub(crate) const GUEST_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

static CPU: ArmHyp = ArmHyp;
static SLOT: KernelSlot<ArmHyp> = KernelSlot::new();
static VMS: Vms<Board> = Vms::new();
pub(crate) static LOADED: LoadedVcpu = LoadedVcpu::new();

/// The heap: the rest of RAM after the image (`build.rs`).
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save::<Board>, irq_restore::<Board>);

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

impl Platform for Board {
    type Arch = ArmHyp;

    fn cpu() -> &'static ArmHyp {
        &CPU
    }

    fn slot() -> &'static KernelSlot<ArmHyp> {
        &SLOT
    }

    fn console_write(bytes: &[u8]) {
        UART.write(bytes);
    }

    fn wait_for_interrupt() {
        arm::wait_for_interrupt();
    }

    fn timer_cancel() {
        hyp::hyp_timer_cancel();
    }


    fn new_kernel(&self) -> KernelOnBoard {
        KernelOnBoard::new(Box::new(TimerHost::<Board>::new()))
    }

    fn heap_stats(&self) -> HeapStats {
        HEAP.stats()
    }
}

impl GenericTimer for Board {
    fn counter() -> (u64, u64) {
        hyp::counter()
    }

    fn timer_arm(compare: u64) {
        hyp::hyp_timer_arm(compare);
    }
}

impl VmPlatform for Board {
    type Space = VmSpace;
    type Vcpu = Vcpu;
    const RAM_IPA: usize = facts::GUEST_RAM;
    const UART_IPA: usize = facts::GUEST_CONSOLE;
    const GICD_IPA: usize = facts::GUEST_GIC_DISTRIBUTOR;
    const GICC_IPA: usize = facts::GUEST_GIC_CPU;
    const GICV_PA: usize = facts::GIC_VIRTUAL_CPU_BASE;
    const GICV_SIZE: usize = facts::GIC_VIRTUAL_CPU_SIZE;
    const GUEST_TIMER_IRQ: u32 = GUEST_TIMER;
    const HYP_TIMER_IRQ: u32 = HYP_TIMER;

    fn vms() -> &'static Vms<Board> {
        &VMS
    }

    fn loaded() -> &'static LoadedVcpu {
        &LOADED
    }

    fn enter_guest(entry: GuestEntry, vcpu: *mut Vcpu) -> ! {
        // Nothing may switch between loading this vCPU's registers and entering its guest.
        Board::cpu().irq_save();
        // SAFETY: `vcpu` is this vCPU's save area in the VM registry (alive until
        // `Vms::clear`), holding its reset state; the CPU held no registers of it yet.
        unsafe { LOADED.ensure(vcpu) };
        hyp::set_vcpu_pointer(vcpu as usize);
        guest::enter_guest(entry.pc as u32, entry.x0 as u32, entry.x1 as u32)
    }
}

/// Kernel heap use (for code without the `Board`, such as threads).
pub fn heap_stats() -> wells_core::mem::HeapStats {
    HEAP.stats()
}
