//! The monitor level (Arm EL3), board-independent: the SMC service ([`SmcService`]: what the
//! EL3 vectors call with the caller's registers, answering from `wells_core::arch::monitor`)
//! and the normal world's SMC test ([`smc_test`]) that a wells image run below a monitor
//! performs. The image crate has the rest (`images/arm64/src/monitor/`): establishing EL3, its
//! console and power controller, the hand-off to the normal world.
//!
//! The secure world's supervisor runs [`secure_world`]; the world switch itself is the image's
//! (`images/arm64/src/monitor/worlds.rs`), its logic `wells_core::arch::monitor::secure`.

mod bakery;
pub mod secure_test;
pub mod secure_world;
pub mod smc_test;

use crate::atomic64::AtomicU64;
use bakery::Bakery;
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use wells_core::arch::monitor::{psci, Call, Machine, Monitor, Outcome};

/// The most CPUs the monitor serves (QEMU virt's `-smp` up to 8 in cluster 0).
pub const MAX_CPUS: usize = 8;

/// What powers the machine off or resets it (the board's secure GPIO on QEMU virt).
pub trait Power {
    fn off(&self) -> !;
    fn reset(&self) -> !;
    /// PSCI CPU_SUSPEND's standby: waits for an interrupt (one that is pending wakes it even
    /// while masked), then the caller resumes and takes it.
    fn standby(&self);
    /// Wakes parked CPU `cpu`, whose start the service recorded ([`SmcService::start_of`]).
    fn wake(&self, cpu: u32);
    /// Parks the calling CPU (PSCI CPU_OFF) until a CPU_ON wakes it again.
    fn park(&self) -> !;
}

/// A CPU's power state as PSCI reports it.
const OFF: u8 = 0;
const ON_PENDING: u8 = 1;
const ON: u8 = 2;

/// The monitor's SMC service: the machine it answers for, the count of SMCs it answered and
/// each CPU's power state and start (PSCI CPU_ON). Every CPU calls it; a bakery lock (loads
/// and stores only: the monitor's MMU is off) makes the calls one at a time.
pub struct SmcService {
    machine: Machine,
    /// CPUs the board has and its normal RAM (from its device tree at boot; 1 CPU and no RAM
    /// to start one in until told).
    cpus: AtomicU32,
    ram_start: AtomicU64,
    ram_end: AtomicU64,
    /// Plain loads and stores only (see the lock). The vectors' fast path counts here too,
    /// outside the lock: with several CPUs on, an SMCCC_VERSION racing another SMC may go
    /// uncounted.
    answered: AtomicU64,
    power: [AtomicU8; MAX_CPUS],
    /// Where a CPU_ON starts each CPU: entry, x0, and SPSR (the caller's exception level).
    entry: [AtomicU64; MAX_CPUS],
    context: [AtomicU64; MAX_CPUS],
    spsr: [AtomicU64; MAX_CPUS],
    lock: Bakery<MAX_CPUS>,
}

impl SmcService {
    /// The service for `machine`; CPU 0 (the boot CPU) is on, every other CPU off.
    pub const fn new(machine: Machine) -> SmcService {
        let mut power = [const { AtomicU8::new(OFF) }; MAX_CPUS];
        power[0] = AtomicU8::new(ON);
        SmcService {
            machine,
            cpus: AtomicU32::new(1),
            ram_start: AtomicU64::new(0),
            ram_end: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            power,
            entry: [const { AtomicU64::new(0) }; MAX_CPUS],
            context: [const { AtomicU64::new(0) }; MAX_CPUS],
            spsr: [const { AtomicU64::new(0) }; MAX_CPUS],
            lock: Bakery::new(),
        }
    }

    /// The board has `cpus` CPUs (at most [`MAX_CPUS`] are served) and the normal world's RAM
    /// at `ram` (start, end), where a CPU_ON may start one.
    pub fn set_board(&self, cpus: u32, ram: (u64, u64)) {
        self.cpus.store(cpus.clamp(1, MAX_CPUS as u32), Ordering::Relaxed);
        self.ram_start.store(ram.0, Ordering::Relaxed);
        self.ram_end.store(ram.1, Ordering::Relaxed);
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
    /// immediate `immediate` by CPU `cpu` at the level SPSR `spsr` names: x0 gets the result,
    /// x1..x3 zero, every other register stays. SYSTEM_OFF, SYSTEM_RESET and CPU_OFF do not
    /// return.
    pub fn answer(&self, x: &mut [u64], immediate: u16, cpu: u32, spsr: u64, power: &dyn Power) {
        let outcome = self.with_monitor_on(cpu, |monitor| monitor.answer(&Call::new(x, immediate)));
        self.apply(x, outcome, cpu, spsr, power)
    }

    /// Runs `f` on the monitor's state as CPU 0 sees it (the boot CPU, where the worlds switch).
    pub fn with_monitor<R>(&self, f: impl FnOnce(&mut Monitor) -> R) -> R {
        self.with_monitor_on(0, f)
    }

    /// Runs `f` on the monitor's state (the machine with CPU `cpu` calling, the count of SMCs
    /// answered), under the lock.
    pub fn with_monitor_on<R>(&self, cpu: u32, f: impl FnOnce(&mut Monitor) -> R) -> R {
        self.lock.with(cpu as usize % MAX_CPUS, || {
            let (on, pending) = self.power_masks();
            let normal_ram = (self.ram_start.load(Ordering::Relaxed), self.ram_end.load(Ordering::Relaxed));
            let machine = Machine { cpus: self.cpus.load(Ordering::Relaxed), this_cpu: cpu, on, pending, normal_ram, ..self.machine };
            let mut monitor = Monitor { machine, answered: self.answered() };
            let result = f(&mut monitor);
            self.answered.store(monitor.answered, Ordering::Relaxed);
            result
        })
    }

    /// Bit n set: CPU n is on; and the CPUs being started.
    fn power_masks(&self) -> (u32, u32) {
        self.power.iter().enumerate().fold((0, 0), |(on, pending), (cpu, state)| match state.load(Ordering::SeqCst) {
            ON => (on | 1 << cpu, pending),
            ON_PENDING => (on, pending | 1 << cpu),
            _ => (on, pending),
        })
    }

    /// Where CPU `cpu` is to start: its entry, x0 and SPSR (recorded by CPU_ON).
    pub fn start_of(&self, cpu: u32) -> (u64, u64, u64) {
        let cpu = cpu as usize % MAX_CPUS;
        (self.entry[cpu].load(Ordering::SeqCst), self.context[cpu].load(Ordering::SeqCst), self.spsr[cpu].load(Ordering::SeqCst))
    }

    /// CPU `cpu`, woken, is about to enter the normal world: AFFINITY_INFO says on from now.
    pub fn started(&self, cpu: u32) {
        self.lock.with(cpu as usize % MAX_CPUS, || self.power[cpu as usize % MAX_CPUS].store(ON, Ordering::SeqCst));
    }

    /// Carries out `outcome` for CPU `cpu`, the caller whose registers are `x` and whose level
    /// SPSR `spsr` names: x0 the result and x1..x3 zero, another CPU started, this one parked,
    /// or the machine powered off or reset.
    pub fn apply(&self, x: &mut [u64], outcome: Outcome, cpu: u32, spsr: u64, power: &dyn Power) {
        let result = match outcome {
            Outcome::Return(value) => value,
            Outcome::Standby => {
                power.standby();
                psci::SUCCESS
            }
            Outcome::CpuOn { cpu: target, entry, context } => {
                let at = target as usize % MAX_CPUS;
                // Checked against a fresh look under the lock: another CPU may have started it
                // since the answer was made.
                let claimed = self.lock.with(cpu as usize % MAX_CPUS, || {
                    if self.power[at].load(Ordering::SeqCst) != OFF {
                        return false;
                    }
                    self.entry[at].store(entry, Ordering::SeqCst);
                    self.context[at].store(context, Ordering::SeqCst);
                    // The caller's level (SPSR.M[3:2]) in the handler mode, interrupts masked.
                    self.spsr[at].store(if spsr & 0b1100 == 0b1000 { 0x3c9 } else { 0x3c5 }, Ordering::SeqCst);
                    self.power[at].store(ON_PENDING, Ordering::SeqCst);
                    true
                });
                if claimed {
                    power.wake(target);
                    psci::SUCCESS
                } else {
                    psci::ON_PENDING
                }
            }
            Outcome::CpuOff => {
                self.lock.with(cpu as usize % MAX_CPUS, || self.power[cpu as usize % MAX_CPUS].store(OFF, Ordering::SeqCst));
                power.park()
            }
            Outcome::SystemOff => power.off(),
            Outcome::SystemReset => power.reset(),
        };
        x[..4].copy_from_slice(&[result as u64, 0, 0, 0]);
    }
}

/// What the device tree at `address` says of the board: its CPUs and its first memory region
/// (start, end); `None` without a readable tree.
///
/// # Safety
/// As for [`crate::device_tree::at`].
pub unsafe fn board_from_device_tree(address: usize) -> Option<(u32, (u64, u64))> {
    // SAFETY: passed on from the caller.
    let tree = unsafe { crate::device_tree::at(address) }?;
    let memory = tree.memory().regions().next()?;
    let start = memory.starting_address as u64;
    Some((tree.cpus().count() as u32, (start, start + memory.size? as u64)))
}
