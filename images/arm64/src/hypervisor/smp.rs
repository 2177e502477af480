//! The hypervisor on several CPUs (`docs/hypervisor.md`, "Several physical CPUs"; the shared
//! half of the bring-up is `wells_board_common::smp_bring_up`): the boot CPU starts each other
//! CPU through QEMU's PSCI at the secondary entry that stays at EL2
//! (`wells_core::arch::aarch64::secondary::entry_address_el2`), handing it a stack of its own.
//! Each secondary installs the EL2 vectors, sets its EL2 controls as the boot CPU did
//! (`el2::establish`: traps, stage-2 control, timers, virtual IDs), sets up its banked GIC state
//! (SGIs, its hypervisor timer, the guests' timer, split priority drop), takes one tick of its
//! own hypervisor timer, reports in, takes an SGI, joins the cross-core checks and parks until
//! it joins the hypervisor's kernel (`join_kernel`), whose vCPU threads it then runs.

use super::board::{Board, GIC, GUEST_TIMER, HYP_TIMER};
use super::trap;
use crate::firmware::Firmware;
use wells_board_common::println;
use wells_board_common::smp_bring_up::{self, BoardCheck, BringUp, FIRST_BOARD_CHECK};
use wells_core::arch::aarch64::psci::Conduit;
use wells_core::arch::aarch64::secondary::{self, SecondaryStart};
use wells_core::arch::aarch64::{self, el2, exceptions, set_el2_trap_handler};
use wells_core::arch::Arch;

pub use smp_bring_up::cpus_up;

/// Each secondary's stack: its boot stack, then its idle context in the kernel.
const STACK_SIZE: usize = 16 * 1024;

/// What a secondary checks of its own first steps.
const AT_EL2: u32 = FIRST_BOARD_CHECK;
const VECTORS: u32 = FIRST_BOARD_CHECK << 1;
const CHECKS: &[BoardCheck] = &[(AT_EL2, "EL2"), (VECTORS, "EL2 vectors")];

/// Counts an interrupt the trap handler took at EL2 on this CPU (its ID from the GIC).
pub(crate) fn note_interrupt(id: u32) {
    smp_bring_up::note_interrupt::<Board>(&GIC, id, HYP_TIMER);
}

/// At boot, before the application: starts every other CPU at EL2 and checks what each
/// reports; prints a line per CPU and a summary (`smp_bring_up::brought_up_at_boot` says how it went). The CPUs then
/// park until a kernel asks them to join it (the demo's does, `hypervisor::demo`).
pub fn bring_up(entry_el: u8) {
    smp_bring_up::note_brought_up_at_boot(start_all(entry_el));
}

fn start_all(entry_el: u8) -> bool {
    // Entered at EL2 QEMU's PSCI is reached by SMC (from EL3 it is not there at all).
    let Some(conduit) = Conduit::for_entry_level(entry_el).filter(|_| entry_el == 2) else {
        println!(Board, "not ok - smp: the hypervisor was entered at EL{entry_el}: QEMU offers its PSCI by SMC only when it enters at EL2");
        return false;
    };
    let firmware = Firmware { conduit, entry: secondary::entry_address_el2() };
    let bring_up = BringUp::<Board>::find(&firmware, &GIC, CHECKS);
    bring_up.start_on_own_stacks(1, STACK_SIZE, |cpu, tops| SecondaryStart { main: secondary_main, stack_top: tops[0], ttbr: 0, cpu }, SecondaryStart::publish)
}

/// A secondary at EL2 on its own stack (`SecondaryStart`).
extern "C" fn secondary_main(_entry_el: u64, start: &'static SecondaryStart) -> ! {
    let cpu = start.cpu;
    set_el2_trap_handler(trap::handle);
    el2::establish(cfg!(feature = "bench"));
    GIC.init_hypervisor_cpu(HYP_TIMER, GUEST_TIMER);
    let mut checks = 0;
    if aarch64::current_el() == 2 {
        checks |= AT_EL2;
    }
    let (vectors, vbar) = exceptions::el2_vectors_and_vbar();
    if vectors == vbar {
        checks |= VECTORS;
    }
    // One tick of this CPU's own hypervisor timer, taken through the vectors.
    let (now, frequency) = el2::counter();
    el2::hyp_timer_arm(now + frequency / 1000);
    el2::Aarch64El2.irq_restore(true);
    smp_bring_up::secondary_reports::<Board>(cpu, checks);
    smp_bring_up::park::<Board>(cpu)
}

