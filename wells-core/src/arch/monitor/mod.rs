//! What a monitor level (Arm EL3) decides, as plain logic: the SMC Calling Convention's function
//! identifiers ([`smccc`]) and the answers the monitor gives the normal world ([`psci`] and the
//! Arm architecture calls), built everywhere so that `cargo test` checks them on the host. The
//! EL3 code that traps an SMC, saves the caller's registers and returns is
//! `aarch64/el3`; the image turns an [`Outcome`] into registers or into the board's power
//! controller.

pub mod pass_up;
pub mod psci;
pub mod secure;
pub mod smccc;

pub use smccc::{Call, FunctionId, Outcome};

/// What the monitor knows of the machine it answers for.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    /// CPUs the normal world may name, affinity level 0 numbers `0..cpus` (cluster 0).
    pub cpus: u32,
    /// The calling CPU's affinity-0 number.
    pub this_cpu: u32,
    /// A secure world (a uniprocessor Trusted OS, resident on CPU 0 and not migratable) runs
    /// beside the normal world.
    pub trusted_os: bool,
    /// The CPUs that are on (bit n: CPU n), and those a CPU_ON is starting.
    pub on: u32,
    pub pending: u32,
    /// Where a CPU_ON may start a CPU: the normal world's RAM, `start..end`.
    pub normal_ram: (u64, u64),
}

impl Machine {
    /// `cpus` CPUs of which CPU 0 (the boot CPU) is on and calling; no RAM to start others in.
    pub const fn booted(cpus: u32) -> Machine {
        Machine { cpus, this_cpu: 0, trusted_os: false, on: 1, pending: 0, normal_ram: (0, 0) }
    }
}

/// SMCs answered so far and the machine: the monitor's own state.
#[derive(Debug)]
pub struct Monitor {
    pub machine: Machine,
    /// Every SMC answered since boot, whatever its function ID.
    pub answered: u64,
}

impl Monitor {
    pub const fn new(machine: Machine) -> Monitor {
        Monitor { machine, answered: 0 }
    }

    /// The answer to one SMC. Every function ID gets one: an unknown or malformed call answers
    /// NOT_SUPPORTED, never a fault.
    pub fn answer(&mut self, call: &Call) -> Outcome {
        self.answered = self.answered.wrapping_add(1);
        smccc::dispatch(call, &self.machine, self.answered)
    }
}
