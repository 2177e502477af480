//! The monitor level (Arm EL3), board-independent: the SMC service ([`SmcService`]: what the
//! EL3 vectors call with the caller's registers, answering from `wells_core::arch::monitor`)
//! and the normal world's SMC test ([`smc_test`]) that a wells image run below a monitor
//! performs. The image crate has the rest (`images/arm64/src/monitor/`): establishing EL3, its
//! console and power controller, the hand-off to the normal world.
//!
//! The secure world's supervisor runs [`secure_world`]; the world switch itself is the image's
//! (`images/arm64/src/monitor/worlds.rs`), its logic `wells_core::arch::monitor::secure`.

pub mod secure_test;
pub mod secure_world;
pub mod smc_test;

use crate::atomic64::AtomicU64;
use core::sync::atomic::Ordering;
use wells_core::arch::monitor::{psci, Call, Machine, Monitor, Outcome};

/// What powers the machine off or resets it (the board's secure GPIO on QEMU virt).
pub trait Power {
    fn off(&self) -> !;
    fn reset(&self) -> !;
    /// PSCI CPU_SUSPEND's standby: waits for an interrupt (one that is pending wakes it even
    /// while masked), then the caller resumes and takes it.
    fn standby(&self);
}

/// The monitor's SMC service: the machine it answers for and the count of SMCs it answered.
pub struct SmcService {
    machine: Machine,
    /// Plain loads and stores only: the monitor runs on one CPU with its MMU off, where
    /// exclusive accesses are not to be relied on.
    answered: AtomicU64,
}

impl SmcService {
    pub const fn new(machine: Machine) -> SmcService {
        SmcService { machine, answered: AtomicU64::new(0) }
    }

    /// The count of SMCs answered, for a fast path that answers some itself and counts them
    /// here (`wells_core::arch::aarch64::el3::set_fast_smc_counter`).
    pub fn counter(&self) -> &AtomicU64 {
        &self.answered
    }

    /// SMCs answered since boot.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// Answers the SMC whose caller's registers are `x` (x0..x30, at least x0..x7), made with
    /// immediate `immediate`: x0 gets the result, x1..x3 zero, every other register stays.
    /// SYSTEM_OFF and SYSTEM_RESET go to `power` and do not return.
    pub fn answer(&self, x: &mut [u64], immediate: u16, power: &dyn Power) {
        let outcome = self.with_monitor(|monitor| monitor.answer(&Call::new(x, immediate)));
        Self::apply(x, outcome, power)
    }

    /// Runs `f` on the monitor's state (the machine and the count of SMCs answered).
    pub fn with_monitor<R>(&self, f: impl FnOnce(&mut Monitor) -> R) -> R {
        let mut monitor = Monitor { machine: self.machine, answered: self.answered() };
        let result = f(&mut monitor);
        self.answered.store(monitor.answered, Ordering::Relaxed);
        result
    }

    /// Carries out `outcome` for the caller whose registers are `x`: x0 the result and x1..x3
    /// zero, or the machine powered off or reset.
    pub fn apply(x: &mut [u64], outcome: Outcome, power: &dyn Power) {
        match outcome {
            Outcome::Return(value) => {
                x[0] = value as u64;
                x[1] = 0;
                x[2] = 0;
                x[3] = 0;
            }
            Outcome::Standby => {
                power.standby();
                x[..4].copy_from_slice(&[psci::SUCCESS as u64, 0, 0, 0]);
            }
            Outcome::SystemOff => power.off(),
            Outcome::SystemReset => power.reset(),
        }
    }
}
