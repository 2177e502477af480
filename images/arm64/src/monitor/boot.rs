//! The monitor's way up: every CPU starts at `_start` in the secure flash
//! (`wells_core::aarch64_monitor_start!`, from `crate::boot`): CPUs other than 0 park, CPU 0
//! copies .data, clears .bss and comes here at EL3 to establish it. A parked CPU woken by a
//! PSCI CPU_ON comes to [`secondary_main`].

use super::board::{say, Board, CONSOLE, GIC, SMC};
use super::trap;
use crate::facts;
use wells_core::arch::aarch64::el3;

/// At EL3 on the monitor stack, CPU 0.
pub(crate) extern "C" fn level_main() -> ! {
    CONSOLE.init();
    el3::establish(trap::handle);
    // SMCCC_VERSION answered in the vectors, counted with the rest.
    el3::set_fast_smc_counter(super::board::SMC.counter());
    // With secure=on only the secure world may hand interrupts to the normal world.
    GIC.hand_interrupts_to_non_secure();
    let board = Board::new();
    board.announce();
    // SAFETY: QEMU's device tree for the normal world sits at the bottom of its RAM, readable
    // at EL3, and nothing writes it before the normal world runs.
    match unsafe { wells_board_common::monitor::board_from_device_tree(facts::RAM_BASE) } {
        Some((cpus, ram)) => {
            SMC.set_board(cpus, ram);
            say(format_args!("{cpus} CPU(s) in the device tree; CPU_ON starts them in the normal world's RAM {:#x}..{:#x}", ram.0, ram.1));
        }
        None => say(format_args!("no device tree at {:#x}: one CPU, CPU_ON starts none", facts::RAM_BASE)),
    }
    crate::boot::run_app(&board)
}

/// A CPU woken by CPU_ON, at EL3 on its own stack: establishes EL3 on it (vectors, SCR_EL3,
/// CPTR_EL3, MDCR_EL3), hands its banked GIC interrupts to the normal world, says it is on and
/// enters the normal world where the CPU_ON said, at the caller's level, x0 = its context.
pub(crate) extern "C" fn secondary_main(cpu: u64) -> ! {
    el3::establish(trap::handle);
    GIC.hand_interrupts_to_non_secure();
    let cpu = cpu as u32;
    SMC.started(cpu);
    let (entry, context, spsr) = SMC.start_of(cpu);
    el3::enter_normal_world_at(entry, context, el3::SCR_NORMAL_WORLD, el3::secondary_stack_top(cpu as usize), spsr)
}
