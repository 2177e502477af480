//! PSCI 1.1 (Arm DEN 0022) for the normal world, as the monitor answers it over SMC: owning
//! entity 4 (standard secure services), functions 0x00..=0x1f; the 32-bit identifiers are
//! 0x8400_00nn, the 64-bit ones 0xc400_00nn.
//!
//! Answered: PSCI_VERSION, PSCI_FEATURES, CPU_ON, AFFINITY_INFO, MIGRATE_INFO_TYPE,
//! SYSTEM_OFF, SYSTEM_RESET. Not yet (NOT_SUPPORTED): CPU_SUSPEND, CPU_OFF, MIGRATE,
//! MIGRATE_INFO_UP_CPU and the optional 1.0/1.1 functions: secondary CPUs stay parked in this
//! slice, and there is no Trusted OS to migrate.

use super::smccc::{Call, Outcome, NOT_SUPPORTED};
use super::Machine;

pub const PSCI_VERSION: u32 = 0x8400_0000;
pub const CPU_SUSPEND: u32 = 0x8400_0001;
pub const CPU_OFF: u32 = 0x8400_0002;
pub const CPU_ON: u32 = 0x8400_0003;
pub const CPU_ON_64: u32 = 0xc400_0003;
pub const AFFINITY_INFO: u32 = 0x8400_0004;
pub const AFFINITY_INFO_64: u32 = 0xc400_0004;
pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
pub const SYSTEM_OFF: u32 = 0x8400_0008;
pub const SYSTEM_RESET: u32 = 0x8400_0009;
pub const PSCI_FEATURES: u32 = 0x8400_000a;

/// PSCI return codes.
pub const SUCCESS: i64 = 0;
pub const INVALID_PARAMETERS: i64 = -2;
pub const DENIED: i64 = -3;
pub const ALREADY_ON: i64 = -4;

/// PSCI_VERSION's answer: 1.1 (major in bits 31:16, minor in 15:0).
pub const VERSION_1_1: i64 = 0x1_0001;
/// AFFINITY_INFO's answers.
pub const AFFINITY_ON: i64 = 0;
pub const AFFINITY_OFF: i64 = 1;
/// MIGRATE_INFO_TYPE's answer: a Trusted OS is not present or does not need migration.
pub const MIGRATE_NOT_NEEDED: i64 = 2;

/// The functions answered with something other than NOT_SUPPORTED.
pub fn implemented(function: u32) -> bool {
    matches!(
        function,
        PSCI_VERSION | CPU_ON | CPU_ON_64 | AFFINITY_INFO | AFFINITY_INFO_64 | MIGRATE_INFO_TYPE | SYSTEM_OFF | SYSTEM_RESET | PSCI_FEATURES
    )
}

/// The CPU an MPIDR-style affinity value names, when it names one of `machine`'s: cluster 0
/// (Aff3..Aff1 zero), Aff0 below the CPU count.
fn cpu_of(affinity: u64, machine: &Machine) -> Option<u32> {
    let upper = affinity & 0xff_00ff_ff00;
    let aff0 = (affinity & 0xff) as u32;
    (upper == 0 && affinity >> 40 == 0 && aff0 < machine.cpus).then_some(aff0)
}

/// The answer to a PSCI call (owning entity 4).
pub fn answer(call: &Call, machine: &Machine) -> Outcome {
    let value = match call.function.0 {
        PSCI_VERSION => VERSION_1_1,
        PSCI_FEATURES => {
            // Only PSCI functions are asked about here; SMCCC_VERSION is PSCI's way to find
            // SMCCC 1.1 (PSCI 1.1 §5.1.14).
            let asked = call.arg(1) as u32;
            if implemented(asked) || asked == super::smccc::SMCCC_VERSION {
                SUCCESS
            } else {
                NOT_SUPPORTED
            }
        }
        CPU_ON | CPU_ON_64 => match cpu_of(call.arg(1), machine) {
            Some(cpu) if cpu == machine.this_cpu => ALREADY_ON,
            // Another existing CPU: bringing one up is not in this slice.
            Some(_) => DENIED,
            None => INVALID_PARAMETERS,
        },
        AFFINITY_INFO | AFFINITY_INFO_64 => {
            // PSCI 1.0 on: only the lowest affinity level 0 need be answered.
            if call.arg(2) != 0 {
                INVALID_PARAMETERS
            } else {
                match cpu_of(call.arg(1), machine) {
                    Some(cpu) if cpu == machine.this_cpu => AFFINITY_ON,
                    Some(_) => AFFINITY_OFF,
                    None => INVALID_PARAMETERS,
                }
            }
        }
        MIGRATE_INFO_TYPE => MIGRATE_NOT_NEEDED,
        SYSTEM_OFF => return Outcome::SystemOff,
        SYSTEM_RESET => return Outcome::SystemReset,
        _ => NOT_SUPPORTED,
    };
    Outcome::Return(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::monitor::smccc::dispatch;

    fn answer(machine: Machine, function: u32, args: &[u64]) -> Outcome {
        let mut x = [0u64; 8];
        x[0] = function as u64;
        x[1..1 + args.len()].copy_from_slice(args);
        dispatch(&Call::new(&x, 0), &machine, 1)
    }

    const ONE: Machine = Machine { cpus: 1, this_cpu: 0 };
    const FOUR: Machine = Machine { cpus: 4, this_cpu: 0 };

    #[test]
    fn version_features_and_migration() {
        assert_eq!(answer(ONE, PSCI_VERSION, &[]), Outcome::Return(VERSION_1_1));
        for function in [PSCI_VERSION, CPU_ON, CPU_ON_64, AFFINITY_INFO, AFFINITY_INFO_64, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES, MIGRATE_INFO_TYPE] {
            assert_eq!(answer(ONE, PSCI_FEATURES, &[function as u64]), Outcome::Return(SUCCESS), "{function:#x}");
        }
        for function in [CPU_SUSPEND, CPU_OFF, 0x8400_0012, 0xc400_0012, 0x8400_001f, 0x1234_5678] {
            assert_eq!(answer(ONE, PSCI_FEATURES, &[function as u64]), Outcome::Return(NOT_SUPPORTED), "{function:#x}");
        }
        assert_eq!(answer(ONE, MIGRATE_INFO_TYPE, &[]), Outcome::Return(MIGRATE_NOT_NEEDED));
        // PSCI_VERSION has no 64-bit form; CPU_SUSPEND and CPU_OFF are not answered yet.
        assert_eq!(answer(ONE, 0xc400_0000, &[]), Outcome::Return(NOT_SUPPORTED));
        assert_eq!(answer(ONE, CPU_OFF, &[]), Outcome::Return(NOT_SUPPORTED));
    }

    #[test]
    fn cpu_on_and_affinity_info() {
        assert_eq!(answer(ONE, CPU_ON, &[0, 0x4008_0000, 0]), Outcome::Return(ALREADY_ON));
        assert_eq!(answer(ONE, CPU_ON_64, &[0, 0x4008_0000, 0]), Outcome::Return(ALREADY_ON));
        assert_eq!(answer(ONE, CPU_ON, &[1, 0x4008_0000, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(ONE, CPU_ON_64, &[0x100, 0, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(ONE, CPU_ON_64, &[1 << 32, 0, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(FOUR, CPU_ON, &[3, 0, 0]), Outcome::Return(DENIED));
        assert_eq!(answer(ONE, AFFINITY_INFO, &[0, 0]), Outcome::Return(AFFINITY_ON));
        assert_eq!(answer(ONE, AFFINITY_INFO_64, &[0, 0]), Outcome::Return(AFFINITY_ON));
        assert_eq!(answer(ONE, AFFINITY_INFO, &[0, 1]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(ONE, AFFINITY_INFO, &[5, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(FOUR, AFFINITY_INFO, &[2, 0]), Outcome::Return(AFFINITY_OFF));
        // SMC32 reads the low half only: CPU 0 with garbage above.
        assert_eq!(answer(ONE, AFFINITY_INFO, &[0xdead_0000_0000_0000, 0]), Outcome::Return(AFFINITY_ON));
    }

    #[test]
    fn system_off_and_reset() {
        assert_eq!(answer(ONE, SYSTEM_OFF, &[]), Outcome::SystemOff);
        assert_eq!(answer(ONE, SYSTEM_RESET, &[]), Outcome::SystemReset);
        assert_eq!(answer(ONE, 0xc400_0008, &[]), Outcome::Return(NOT_SUPPORTED));
    }
}
