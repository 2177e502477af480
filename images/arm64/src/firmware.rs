//! QEMU's PSCI as the SMP bring-up reaches it (`wells_board_common::smp_bring_up::Psci`): the
//! conduit of the entry level, in its SMC64 forms, starting CPUs at the level's secondary entry
//! (`wells_core::arch::aarch64::secondary`: the supervisor's drops to EL1, the hypervisor's
//! stays at EL2).

use wells_board_common::smp_bring_up::Psci;
use wells_core::arch::aarch64::psci::Conduit;

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
        self.conduit.affinity_info(cpu as u64)
    }

    fn cpu_on(&self, mpidr: usize, context: usize) -> i64 {
        self.conduit.cpu_on(mpidr as u64, self.entry, context)
    }
}
