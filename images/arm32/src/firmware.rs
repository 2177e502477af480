//! QEMU's PSCI as the SMP bring-up reaches it on the Cortex-A15 (`wells_board_common::
//! smp_bring_up::Psci`): the conduit of the entry mode, in its SMC32 forms, starting CPUs at
//! the level's secondary entry (`wells_core::arch::arm::secondary`: the supervisor's goes to
//! SVC, the hypervisor's stays in HYP).

use wells_board_common::smp_bring_up::Psci;
use wells_core::arch::arm::psci::Conduit;

pub(crate) struct Firmware {
    pub conduit: Conduit,
    /// Where CPU_ON starts a CPU.
    pub entry: usize,
}

/// Named by its conduit ("Hvc", "Smc") in the report.
impl core::fmt::Debug for Firmware {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.conduit.fmt(f)
    }
}

impl Psci for Firmware {
    fn affinity_info(&self, cpu: usize) -> i64 {
        self.conduit.affinity_info(cpu as u32)
    }

    fn cpu_on(&self, mpidr: usize, context: usize) -> i64 {
        self.conduit.cpu_on(mpidr as u32, self.entry, context)
    }
}
