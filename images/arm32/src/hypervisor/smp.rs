//! The Cortex-A15 hypervisor on several CPUs (`docs/hypervisor.md`, "Several physical CPUs"),
//! as on arm64: the boot CPU starts each other CPU through QEMU's PSCI (SMC, the hypervisor
//! entered in HYP) at the secondary entry that stays in HYP (`wells_core::arch::arm::
//! secondary::entry_address_hyp`), with a stack of its own. Each secondary installs the HYP
//! vectors, sets its HYP controls as the boot CPU did (`hyp::establish`), sets up its banked GIC
//! state, takes one tick of its own HYP timer, reports in, takes an SGI, joins the cross-core
//! checks and parks until it joins the hypervisor's kernel, whose vCPU threads it then runs.

use super::board::{Board, GIC, GUEST_TIMER, HYP_TIMER};
use super::trap;
use crate::firmware::Firmware;
use wells_board_common::println;
use wells_board_common::smp_bring_up::{self, BoardCheck, BringUp, FIRST_BOARD_CHECK};
use wells_core::arch::arm::hyp::{self, exceptions, set_hyp_trap_handler, ArmHyp};
use wells_core::arch::arm::psci::Conduit;
use wells_core::arch::arm::secondary::{self, HypSecondaryStart};
use wells_core::arch::arm::{self, mode};
use wells_core::arch::Arch;

pub use smp_bring_up::cpus_up;

/// Each secondary's stack: its boot stack, then its idle context in the kernel.
const STACK_SIZE: usize = 16 * 1024;

/// What a secondary checks of its own first steps.
const IN_HYP: u32 = FIRST_BOARD_CHECK;
const VECTORS: u32 = FIRST_BOARD_CHECK << 1;
const CHECKS: &[BoardCheck] = &[(IN_HYP, "HYP"), (VECTORS, "HYP vectors")];

/// Counts an interrupt the trap handler took in HYP on this CPU (its ID from the GIC).
pub(crate) fn note_interrupt(id: u32) {
    smp_bring_up::note_interrupt::<Board>(&GIC, id, HYP_TIMER);
}

/// At boot, before the application: starts every other CPU in HYP and checks what each
/// reports; prints a line per CPU and a summary (`smp_bring_up::brought_up_at_boot` says how it went). The CPUs then
/// park until a kernel asks them to join it (the demo's does, `hypervisor::demo`).
pub fn bring_up(entry_mode: u32) {
    smp_bring_up::note_brought_up_at_boot(start_all(entry_mode));
}

fn start_all(entry_mode: u32) -> bool {
    let Some(conduit) = Conduit::for_entry_mode(entry_mode) else {
        println!(Board, "not ok - smp: entered in {}: QEMU offers no PSCI there", mode::name(entry_mode));
        return false;
    };
    let firmware = Firmware { conduit, entry: secondary::entry_address_hyp() };
    let bring_up = BringUp::<Board>::find(&firmware, &GIC, CHECKS);
    bring_up.start_on_own_stacks(1, STACK_SIZE, |cpu, tops| HypSecondaryStart { main: secondary_main, stack_top: tops[0], cpu }, HypSecondaryStart::publish)
}

/// A secondary in HYP on its own stack (`HypSecondaryStart`).
extern "C" fn secondary_main(_entry_mode: u32, start: &'static HypSecondaryStart) -> ! {
    let cpu = start.cpu;
    set_hyp_trap_handler(trap::handle);
    hyp::establish(cfg!(feature = "bench"));
    GIC.init_hypervisor_cpu(HYP_TIMER, GUEST_TIMER);
    let mut checks = 0;
    if arm::current_mode() == mode::HYP {
        checks |= IN_HYP;
    }
    let (vectors, hvbar) = exceptions::hyp_vectors_and_hvbar();
    if vectors == hvbar {
        checks |= VECTORS;
    }
    // One tick of this CPU's own HYP timer, taken through the vectors.
    let (now, frequency) = hyp::counter();
    hyp::hyp_timer_arm(now + frequency / 1000);
    ArmHyp.irq_restore(true);
    smp_bring_up::secondary_reports::<Board>(cpu, checks);
    smp_bring_up::park::<Board>(cpu)
}
