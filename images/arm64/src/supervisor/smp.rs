//! Bring-up of the other CPUs (`docs/core.md`, "Several CPUs"; the shared half is
//! `wells_board_common::smp_bring_up`): the boot CPU starts each at the secondary entry
//! (`wells_core::arch::aarch64::secondary`), handing it a stack of its own and the kernel's
//! tables. Each secondary drops to EL1, turns on the MMU with those tables, installs the EL1
//! vectors, sets up its GIC CPU interface and its timer, takes one tick of that timer through
//! the vectors, reports in, then takes an SGI from the boot CPU, joins the cross-core checks
//! and parks (interrupts masked) until it is asked to join the kernel or to fault.

use super::board::{Board, GIC, VIRTUAL_TIMER};
use super::memory::KERNEL_SPACE;
use crate::firmware::Firmware;
use wells_board_common::smp_bring_up::{self, BoardCheck, BringUp, FIRST_BOARD_CHECK};
use wells_board_common::println;
use wells_core::arch::aarch64::psci::Conduit;
use wells_core::arch::aarch64::secondary::{self, SecondaryStart};
use wells_core::arch::aarch64::{self, counter, el1::mmu, exceptions, Aarch64};
use wells_core::arch::Arch;

pub use smp_bring_up::{cpus_up, MAX_CPUS};

/// Each secondary's stack.
const STACK_SIZE: usize = 16 * 1024;

/// What a secondary checks of its own first steps.
const AT_EL1: u32 = FIRST_BOARD_CHECK;
const MMU_ON: u32 = FIRST_BOARD_CHECK << 1;
const VECTORS: u32 = FIRST_BOARD_CHECK << 2;
const CHECKS: &[BoardCheck] = &[(AT_EL1, "EL1"), (MMU_ON, "MMU"), (VECTORS, "vectors")];

/// Counts an interrupt the trap handler took on this CPU (its ID from the GIC).
pub(crate) fn note_interrupt(id: u32) {
    smp_bring_up::note_interrupt::<Board>(&GIC, id, VIRTUAL_TIMER);
}

/// Starts every other CPU and checks what each reports; prints a line per CPU and a summary.
/// True when every CPU came up with everything and PSCI answered every bad call as it must.
pub fn bring_up(entry_el: u8) -> bool {
    wells_board_common::smp_stress::yield_to_hypervisor(crate::exit::is_guest());
    let Some(conduit) = Conduit::for_entry_level(entry_el) else {
        println!(Board, "not ok - smp: entered at EL{entry_el}: QEMU offers no PSCI there");
        return false;
    };
    let firmware = Firmware { conduit, entry: secondary::entry_address() };
    let bring_up = BringUp::<Board>::find(&firmware, &GIC, CHECKS);
    let ttbr = KERNEL_SPACE.get().ttbr();
    bring_up.start_on_own_stacks(1, STACK_SIZE, |cpu, tops| SecondaryStart { main: secondary_main, stack_top: tops[0], ttbr, cpu }, SecondaryStart::publish)
}

/// A secondary at EL1 on its own stack, MMU still off (`SecondaryStart`).
extern "C" fn secondary_main(_entry_el: u64, start: &'static SecondaryStart) -> ! {
    // SAFETY: this is the CPU `start` started, before any memory use but its stack.
    unsafe { start.enable_mmu() };
    let cpu = start.cpu;
    exceptions::install_el1_vectors();
    let mut checks = 0;
    if aarch64::current_el() == 1 {
        checks |= AT_EL1;
    }
    if mmu::sctlr() & 1 != 0 {
        checks |= MMU_ON;
    }
    if exceptions::vbar_el1() == exceptions::el1_vectors() {
        checks |= VECTORS;
    }
    GIC.init_cpu_interface(VIRTUAL_TIMER);
    // One tick of this CPU's own timer, taken through the vectors (`note_interrupt`).
    let (now, frequency) = counter();
    aarch64::virtual_timer_arm(now + frequency / 1000);
    Aarch64.irq_restore(true);
    smp_bring_up::secondary_reports::<Board>(cpu, checks);
    smp_bring_up::park::<Board>(cpu)
}

/// Asks parked secondary `cpu` to take a kernel fault (a data abort at EL1, reported by the
/// trap handler on that CPU's emergency stack).
pub fn kernel_fault_on(cpu: usize) {
    smp_bring_up::kernel_fault_on::<Board>(&GIC, cpu);
}
