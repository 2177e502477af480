//! Bring-up of the other CPUs of the Cortex-A15 (`docs/core.md`, "Several CPUs"; the shared
//! half is `wells_board_common::smp_bring_up`), as on arm64: the boot CPU starts each at the
//! secondary entry (`wells_core::arch::arm::secondary`), handing it stacks of its own (SVC, and
//! the banked ones of ABT, UND, IRQ/FIQ) and the kernel's address space. Each secondary
//! establishes SVC, takes its own mode stacks, turns on the MMU with the kernel's tables,
//! installs the vectors, sets up its GIC CPU interface and its virtual timer, takes one tick of
//! that timer through the vectors, reports in, then takes an SGI from the boot CPU, joins the
//! cross-core checks and parks (interrupts masked) until it is asked to join the kernel or to
//! fault.

use super::board::{Board, VIRTUAL_TIMER};
use super::protection::KERNEL_SPACE;
use crate::board::GIC;
use wells_board_common::println;
use crate::firmware::Firmware;
use wells_board_common::smp_bring_up::{self, BoardCheck, BringUp, FIRST_BOARD_CHECK};
use wells_core::arch::arm::psci::Conduit;
use wells_core::arch::arm::secondary::{self, SecondaryStart};
use wells_core::arch::arm::{self, counter, mode, pl1::mmu, Armv7a};
use wells_core::arch::Arch;

pub use smp_bring_up::cpus_up;

/// Each of a secondary's stacks (SVC, ABT, UND, IRQ/FIQ).
const STACK_SIZE: usize = 8 * 1024;

/// What a secondary checks of its own first steps.
const IN_SVC: u32 = FIRST_BOARD_CHECK;
const MMU_ON: u32 = FIRST_BOARD_CHECK << 1;
const CHECKS: &[BoardCheck] = &[(IN_SVC, "SVC"), (MMU_ON, "MMU")];

/// Counts an interrupt the trap handler took on this CPU (its ID from the GIC).
pub(crate) fn note_interrupt(id: u32) {
    smp_bring_up::note_interrupt::<Board>(&GIC, id, VIRTUAL_TIMER);
}

/// Starts every other CPU and checks what each reports; prints a line per CPU and a summary.
/// True when every CPU came up with everything and PSCI answered every bad call as it must.
pub fn bring_up(entry_mode: u32) -> bool {
    wells_board_common::smp_stress::yield_to_hypervisor(crate::board::is_guest());
    let Some(conduit) = Conduit::for_entry_mode(entry_mode) else {
        println!(Board, "not ok - smp: entered in {}: QEMU offers no PSCI there", mode::name(entry_mode));
        return false;
    };
    let firmware = Firmware { conduit, entry: secondary::entry_address() };
    let bring_up = BringUp::<Board>::find(&firmware, &GIC, CHECKS);
    // Four stacks a CPU: SVC, ABT, UND and IRQ/FIQ.
    let block = |cpu, tops: &[usize]| SecondaryStart {
        main: secondary_main,
        svc_stack_top: tops[0],
        abort_stack_top: tops[1],
        undefined_stack_top: tops[2],
        irq_stack_top: tops[3],
        space: KERNEL_SPACE.get(),
        cpu,
    };
    bring_up.start_on_own_stacks(4, STACK_SIZE, block, SecondaryStart::publish)
}

/// A secondary in SVC on its own stack, MMU still off (`SecondaryStart`).
extern "C" fn secondary_main(_entry_mode: u32, start: &'static SecondaryStart) -> ! {
    // SAFETY: this is the CPU `start` started, interrupts masked, before anything can trap or
    // use memory but its stacks.
    unsafe {
        start.own_mode_stacks();
        start.enable_mmu();
    }
    let cpu = start.cpu;
    wells_core::arch::arm::set_trap_handler(super::trap::handle);
    let mut checks = 0;
    if arm::current_mode() == mode::SVC {
        checks |= IN_SVC;
    }
    if mmu::sctlr() & 1 != 0 {
        checks |= MMU_ON;
    }
    GIC.init_cpu_interface(VIRTUAL_TIMER);
    // One tick of this CPU's own timer, taken through the vectors (`note_interrupt`).
    let (now, frequency) = counter();
    arm::virtual_timer_arm(now + frequency / 1000);
    Armv7a.irq_restore(true);
    smp_bring_up::secondary_reports::<Board>(cpu, checks);
    smp_bring_up::park::<Board>(cpu)
}

/// Asks parked secondary `cpu` to take a kernel fault (a data abort in SVC, reported by the
/// trap handler on that CPU's own ABT stack).
pub fn kernel_fault_on(cpu: usize) {
    smp_bring_up::kernel_fault_on::<Board>(&GIC, cpu);
}
