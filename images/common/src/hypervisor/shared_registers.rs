//! A guest touching hardware every VM shares and the hypervisor does not switch: the debug
//! registers (breakpoints, watchpoints, MDSCR, the OS lock) and the performance monitors. A
//! Linux guest clears them at boot (and sets none unless asked to debug or profile): for it
//! they read as zero and ignore writes, so it finds no breakpoint, no watchpoint, no counter
//! that counts. Any other guest is faulted, as before (tests: the `debugger` and `profiler`
//! VMs).

use super::{lifecycle, GuestRegisters, Resume, VmPlatform};

/// A trapped access to a debug or PMU register: `read` into general register `register` (31:
/// the zero register), or a write; `what` names it for the fault report.
pub fn debug_or_pmu_access<P: VmPlatform>(read: bool, register: u8, regs: &mut dyn GuestRegisters, what: core::fmt::Arguments<'_>) -> Resume {
    if P::vms().with_current(|vm| vm.linux) != Some(true) {
        return lifecycle::fault::<P>(what);
    }
    if read && register != 31 {
        regs.set(register as usize, 0);
    }
    Resume::Next
}
