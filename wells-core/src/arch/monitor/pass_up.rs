//! What a hypervisor running below the wells monitor passes up to it from its guests, rather
//! than answering itself: the secure service (fast calls of the trusted applications' and
//! trusted OSes' owning entities, 48..=63, which only the secure world can answer) and the PSCI
//! calls that ask about the machine rather than the VM — PSCI_VERSION and PSCI_FEATURES of it.
//! Everything about a VM's CPUs and power (CPU_ON, CPU_OFF, AFFINITY_INFO of its vCPUs,
//! SYSTEM_OFF, SYSTEM_RESET, CPU_SUSPEND) is the VM's and stays with the hypervisor; the machine
//! powers off when the hypervisor ends, with its own SYSTEM_OFF to the monitor.

use super::psci;
use super::smccc::FunctionId;

/// PSCI functions whose answer is the monitor's (SMC32 IDs; bit 30 is ignored).
const MACHINE_PSCI: [u32; 2] = [psci::PSCI_VERSION, psci::PSCI_FEATURES];

/// True when a guest's call `function` (w0), with first argument `arg1`, goes to the monitor.
pub fn passes_up(function: u32, arg1: u64) -> bool {
    let id = FunctionId(function);
    if id.is_fast() && id.owner_number() >= 48 {
        // The monitor answers the malformed ones (reserved bits set) NOT_SUPPORTED itself.
        return true;
    }
    let smc32 = function & !(1 << 30);
    match smc32 {
        psci::PSCI_FEATURES => MACHINE_PSCI.contains(&((arg1 as u32) & !(1 << 30))),
        // PSCI_VERSION has only an SMC32 form.
        psci::PSCI_VERSION => function == psci::PSCI_VERSION,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_service_calls_go_up() {
        for function in [0xf000_0000, 0xf000_0005, 0xb000_0001, 0xbf00_0001, 0xf200_0000, 0xf001_0001] {
            assert!(passes_up(function, 0), "{function:#x}");
        }
        // Yielding calls and other owners stay with the hypervisor.
        for function in [0x3000_0001, 0x7000_0000, 0x8600_0000, 0xc600_00ff, 0x8700_0000, 0x8000_0000] {
            assert!(!passes_up(function, 0), "{function:#x}");
        }
    }

    #[test]
    fn only_the_machine_psci_calls_go_up() {
        assert!(passes_up(psci::PSCI_VERSION, 0));
        assert!(!passes_up(psci::PSCI_VERSION | 1 << 30, 0));
        assert!(passes_up(psci::PSCI_FEATURES, psci::PSCI_VERSION as u64));
        // The VM's own CPUs and power: the hypervisor's.
        for function in [psci::SYSTEM_OFF, psci::SYSTEM_RESET, psci::CPU_OFF, psci::CPU_SUSPEND, psci::CPU_ON, psci::AFFINITY_INFO, psci::AFFINITY_INFO_64, psci::MIGRATE_INFO_TYPE] {
            assert!(!passes_up(function, 0), "{function:#x}");
            assert!(!passes_up(psci::PSCI_FEATURES, function as u64), "FEATURES({function:#x})");
        }
    }
}
