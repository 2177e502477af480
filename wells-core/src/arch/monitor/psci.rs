//! PSCI 1.1 (Arm DEN 0022) for the normal world, as the monitor answers it over SMC: owning
//! entity 4 (standard secure services), functions 0x00..=0x1f; the 32-bit identifiers are
//! 0x8400_00nn, the 64-bit ones 0xc400_00nn.
//!
//! Answered: PSCI_VERSION, PSCI_FEATURES, CPU_SUSPEND (one standby state: power state 0),
//! CPU_ON (an off CPU starts at a normal-world address), CPU_OFF (any CPU but CPU 0, the boot
//! CPU where a Trusted OS is resident: DENIED there), AFFINITY_INFO (on, off, on pending),
//! MIGRATE_INFO_TYPE, MIGRATE_INFO_UP_CPU (with a secure world), SYSTEM_OFF, SYSTEM_RESET. Not
//! yet (NOT_SUPPORTED): MIGRATE and the optional 1.0/1.1 functions.

use super::smccc::{Call, Outcome, NOT_SUPPORTED};
use super::Machine;

pub const PSCI_VERSION: u32 = 0x8400_0000;
pub const CPU_SUSPEND: u32 = 0x8400_0001;
pub const CPU_SUSPEND_64: u32 = 0xc400_0001;
pub const CPU_OFF: u32 = 0x8400_0002;
pub const CPU_ON: u32 = 0x8400_0003;
pub const CPU_ON_64: u32 = 0xc400_0003;
pub const AFFINITY_INFO: u32 = 0x8400_0004;
pub const AFFINITY_INFO_64: u32 = 0xc400_0004;
pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
pub const MIGRATE_INFO_UP_CPU: u32 = 0x8400_0007;
pub const MIGRATE_INFO_UP_CPU_64: u32 = 0xc400_0007;
pub const SYSTEM_OFF: u32 = 0x8400_0008;
pub const SYSTEM_RESET: u32 = 0x8400_0009;
pub const PSCI_FEATURES: u32 = 0x8400_000a;

/// PSCI return codes.
pub const SUCCESS: i64 = 0;
pub const INVALID_PARAMETERS: i64 = -2;
pub const DENIED: i64 = -3;
pub const ALREADY_ON: i64 = -4;
pub const ON_PENDING: i64 = -5;
pub const INVALID_ADDRESS: i64 = -9;

/// PSCI_VERSION's answer: 1.1 (major in bits 31:16, minor in 15:0).
pub const VERSION_1_1: i64 = 0x1_0001;
/// AFFINITY_INFO's answers.
pub const AFFINITY_ON: i64 = 0;
pub const AFFINITY_OFF: i64 = 1;
pub const AFFINITY_ON_PENDING: i64 = 2;
/// MIGRATE_INFO_TYPE's answer: a Trusted OS is not present or does not need migration.
pub const MIGRATE_NOT_NEEDED: i64 = 2;
/// MIGRATE_INFO_TYPE's answer: a uniprocessor Trusted OS that cannot migrate (the secure world).
pub const MIGRATE_UP_NOT_CAPABLE: i64 = 1;
/// The one power state CPU_SUSPEND accepts (original format): standby (StateType 0), power
/// level 0, StateID 0. Standby keeps every register: the call returns SUCCESS after a wake-up.
pub const STANDBY: u64 = 0;

/// The functions answered with something other than NOT_SUPPORTED.
pub fn implemented(function: u32) -> bool {
    matches!(
        function,
        PSCI_VERSION
            | CPU_SUSPEND
            | CPU_SUSPEND_64
            | CPU_OFF
            | CPU_ON
            | CPU_ON_64
            | AFFINITY_INFO
            | AFFINITY_INFO_64
            | MIGRATE_INFO_TYPE
            | SYSTEM_OFF
            | SYSTEM_RESET
            | PSCI_FEATURES
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
            // CPU_SUSPEND's flags are 0: the original power-state format, platform-coordinated.
            // MIGRATE_INFO_UP_CPU is there when there is a Trusted OS.
            let asked = call.arg(1) as u32;
            let up_cpu = machine.trusted_os && matches!(asked, MIGRATE_INFO_UP_CPU | MIGRATE_INFO_UP_CPU_64);
            if implemented(asked) || up_cpu || asked == super::smccc::SMCCC_VERSION {
                SUCCESS
            } else {
                NOT_SUPPORTED
            }
        }
        CPU_ON | CPU_ON_64 => {
            // SMC32 passes 32-bit addresses.
            let (entry, context) = match call.function.0 {
                CPU_ON => (call.arg(2) & 0xffff_ffff, call.arg(3) & 0xffff_ffff),
                _ => (call.arg(2), call.arg(3)),
            };
            match cpu_of(call.arg(1), machine) {
                None => INVALID_PARAMETERS,
                Some(cpu) if machine.on & (1 << cpu) != 0 => ALREADY_ON,
                Some(cpu) if machine.pending & (1 << cpu) != 0 => ON_PENDING,
                // The entry must be the normal world's RAM, 4-byte aligned (an instruction).
                Some(_) if !(machine.normal_ram.0..machine.normal_ram.1).contains(&entry) || entry % 4 != 0 => INVALID_ADDRESS,
                Some(cpu) => return Outcome::CpuOn { cpu, entry, context },
            }
        }
        AFFINITY_INFO | AFFINITY_INFO_64 => {
            // PSCI 1.0 on: only the lowest affinity level 0 need be answered.
            if call.arg(2) != 0 {
                INVALID_PARAMETERS
            } else {
                match cpu_of(call.arg(1), machine) {
                    Some(cpu) if machine.on & (1 << cpu) != 0 => AFFINITY_ON,
                    Some(cpu) if machine.pending & (1 << cpu) != 0 => AFFINITY_ON_PENDING,
                    Some(_) => AFFINITY_OFF,
                    None => INVALID_PARAMETERS,
                }
            }
        }
        // Standby at level 0 is the one state; power-down states and other levels are not
        // offered. `power_state` is 32 bits in either convention.
        CPU_SUSPEND | CPU_SUSPEND_64 if call.arg(1) & 0xffff_ffff == STANDBY => return Outcome::Standby,
        CPU_SUSPEND | CPU_SUSPEND_64 => INVALID_PARAMETERS,
        // CPU 0 stays on: the monitor's boot CPU, where a Trusted OS is resident (PSCI: DENIED).
        CPU_OFF if machine.this_cpu == 0 => DENIED,
        CPU_OFF => return Outcome::CpuOff,
        MIGRATE_INFO_TYPE if machine.trusted_os => MIGRATE_UP_NOT_CAPABLE,
        MIGRATE_INFO_TYPE => MIGRATE_NOT_NEEDED,
        MIGRATE_INFO_UP_CPU | MIGRATE_INFO_UP_CPU_64 if machine.trusted_os => machine.this_cpu as i64,
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

    const ONE: Machine = Machine::booted(1);
    const FOUR: Machine = Machine { normal_ram: (0x4000_0000, 0x8000_0000), ..Machine::booted(4) };
    const WITH_SECURE_WORLD: Machine = Machine { trusted_os: true, ..ONE };

    #[test]
    fn version_features_and_migration() {
        assert_eq!(answer(ONE, PSCI_VERSION, &[]), Outcome::Return(VERSION_1_1));
        for function in [PSCI_VERSION, CPU_ON, CPU_ON_64, AFFINITY_INFO, AFFINITY_INFO_64, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES, MIGRATE_INFO_TYPE] {
            assert_eq!(answer(ONE, PSCI_FEATURES, &[function as u64]), Outcome::Return(SUCCESS), "{function:#x}");
        }
        for function in [CPU_SUSPEND, CPU_SUSPEND_64, CPU_OFF] {
            assert_eq!(answer(ONE, PSCI_FEATURES, &[function as u64]), Outcome::Return(SUCCESS), "{function:#x}");
        }
        for function in [MIGRATE_INFO_UP_CPU, 0x8400_0012, 0xc400_0012, 0x8400_001f, 0x1234_5678] {
            assert_eq!(answer(ONE, PSCI_FEATURES, &[function as u64]), Outcome::Return(NOT_SUPPORTED), "{function:#x}");
        }
        assert_eq!(answer(ONE, MIGRATE_INFO_TYPE, &[]), Outcome::Return(MIGRATE_NOT_NEEDED));
        // PSCI_VERSION has no 64-bit form.
        assert_eq!(answer(ONE, 0xc400_0000, &[]), Outcome::Return(NOT_SUPPORTED));
        assert_eq!(answer(ONE, MIGRATE_INFO_UP_CPU, &[]), Outcome::Return(NOT_SUPPORTED));
    }

    #[test]
    fn with_a_secure_world_the_trusted_os_stays_on_cpu_0() {
        assert_eq!(answer(WITH_SECURE_WORLD, MIGRATE_INFO_TYPE, &[]), Outcome::Return(MIGRATE_UP_NOT_CAPABLE));
        assert_eq!(answer(WITH_SECURE_WORLD, MIGRATE_INFO_UP_CPU, &[]), Outcome::Return(0));
        assert_eq!(answer(WITH_SECURE_WORLD, MIGRATE_INFO_UP_CPU_64, &[]), Outcome::Return(0));
        assert_eq!(answer(WITH_SECURE_WORLD, PSCI_FEATURES, &[MIGRATE_INFO_UP_CPU as u64]), Outcome::Return(SUCCESS));
        assert_eq!(answer(WITH_SECURE_WORLD, CPU_OFF, &[]), Outcome::Return(DENIED));
    }

    #[test]
    fn cpu_suspend_standby_only_and_cpu_off_denied() {
        assert_eq!(answer(ONE, CPU_SUSPEND, &[STANDBY, 0x4008_0000, 0]), Outcome::Standby);
        assert_eq!(answer(ONE, CPU_SUSPEND_64, &[STANDBY, 0, 0]), Outcome::Standby);
        // SMC32 reads the low half only.
        assert_eq!(answer(ONE, CPU_SUSPEND, &[0xffff_ffff_0000_0000, 0, 0]), Outcome::Standby);
        // Power-down (StateType 1), a power level above 0, another StateID, reserved bits.
        for state in [1 << 16, 1 << 24, 1, 1 << 31] {
            assert_eq!(answer(ONE, CPU_SUSPEND_64, &[state, 0, 0]), Outcome::Return(INVALID_PARAMETERS), "{state:#x}");
        }
        assert_eq!(answer(ONE, CPU_OFF, &[]), Outcome::Return(DENIED));
    }

    #[test]
    fn cpu_on_and_affinity_info() {
        assert_eq!(answer(ONE, CPU_ON, &[0, 0x4008_0000, 0]), Outcome::Return(ALREADY_ON));
        assert_eq!(answer(ONE, CPU_ON_64, &[0, 0x4008_0000, 0]), Outcome::Return(ALREADY_ON));
        assert_eq!(answer(ONE, CPU_ON, &[1, 0x4008_0000, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(ONE, CPU_ON_64, &[0x100, 0, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(ONE, CPU_ON_64, &[1 << 32, 0, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(FOUR, CPU_ON, &[3, 0, 0]), Outcome::Return(INVALID_ADDRESS));
        assert_eq!(answer(ONE, AFFINITY_INFO, &[0, 0]), Outcome::Return(AFFINITY_ON));
        assert_eq!(answer(ONE, AFFINITY_INFO_64, &[0, 0]), Outcome::Return(AFFINITY_ON));
        assert_eq!(answer(ONE, AFFINITY_INFO, &[0, 1]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(ONE, AFFINITY_INFO, &[5, 0]), Outcome::Return(INVALID_PARAMETERS));
        assert_eq!(answer(FOUR, AFFINITY_INFO, &[2, 0]), Outcome::Return(AFFINITY_OFF));
        // SMC32 reads the low half only: CPU 0 with garbage above.
        assert_eq!(answer(ONE, AFFINITY_INFO, &[0xdead_0000_0000_0000, 0]), Outcome::Return(AFFINITY_ON));
    }

    #[test]
    fn other_cpus_start_stop_and_report_their_state() {
        // CPU 3 off: started at a RAM address with its context; SMC32 takes the low halves.
        assert_eq!(answer(FOUR, CPU_ON_64, &[3, 0x4010_0000, 0x1234_5678_9abc]), Outcome::CpuOn { cpu: 3, entry: 0x4010_0000, context: 0x1234_5678_9abc });
        assert_eq!(answer(FOUR, CPU_ON, &[3, 0xffff_ffff_4010_0000, 0xffff_ffff_0000_0007]), Outcome::CpuOn { cpu: 3, entry: 0x4010_0000, context: 7 });
        // Outside the normal world's RAM (secure memory, flash, past its end) or misaligned.
        for entry in [0x0e00_0000, 0, 0x8000_0000, 0x3fff_fffc, 0x4010_0002] {
            assert_eq!(answer(FOUR, CPU_ON_64, &[3, entry, 0]), Outcome::Return(INVALID_ADDRESS), "{entry:#x}");
        }
        // Being started, then on.
        let starting = Machine { pending: 1 << 3, ..FOUR };
        assert_eq!(answer(starting, CPU_ON_64, &[3, 0x4010_0000, 0]), Outcome::Return(ON_PENDING));
        assert_eq!(answer(starting, AFFINITY_INFO, &[3, 0]), Outcome::Return(AFFINITY_ON_PENDING));
        let on = Machine { on: 0b1001, ..FOUR };
        assert_eq!(answer(on, CPU_ON_64, &[3, 0x4010_0000, 0]), Outcome::Return(ALREADY_ON));
        assert_eq!(answer(on, AFFINITY_INFO_64, &[3, 0]), Outcome::Return(AFFINITY_ON));
        assert_eq!(answer(on, AFFINITY_INFO_64, &[2, 0]), Outcome::Return(AFFINITY_OFF));
        // CPU 3 turns itself off; CPU 0 may not.
        assert_eq!(answer(Machine { this_cpu: 3, ..on }, CPU_OFF, &[]), Outcome::CpuOff);
        assert_eq!(answer(on, CPU_OFF, &[]), Outcome::Return(DENIED));
        // A CPU that does not exist.
        assert_eq!(answer(FOUR, CPU_ON_64, &[4, 0x4010_0000, 0]), Outcome::Return(INVALID_PARAMETERS));
    }

    #[test]
    fn system_off_and_reset() {
        assert_eq!(answer(ONE, SYSTEM_OFF, &[]), Outcome::SystemOff);
        assert_eq!(answer(ONE, SYSTEM_RESET, &[]), Outcome::SystemReset);
        assert_eq!(answer(ONE, 0xc400_0008, &[]), Outcome::Return(NOT_SUPPORTED));
    }
}
