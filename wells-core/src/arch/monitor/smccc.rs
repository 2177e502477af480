//! The SMC Calling Convention (Arm DEN 0028, version 1.1 as answered here): how a function
//! identifier reads, and which service of the monitor answers it.
//!
//! A function identifier (w0): bit 31 fast call (1) or yielding call (0); bit 30 the 64-bit
//! convention (SMC64: arguments and results in x registers) or the 32-bit one (SMC32: w
//! registers, the upper halves ignored); bits 29:24 the owning entity; bits 23:16 zero for a
//! fast call; bits 15:0 the function number. Arguments come in x1..x7, results go in x0..x3;
//! the monitor keeps every other register as it was (SMCCC 1.1).

use super::psci;
use super::Machine;

/// SMCCC's answer to a function it does not know, and to one it knows but does not offer.
pub const NOT_SUPPORTED: i64 = -1;
/// SMCCC_ARCH_FEATURES: the queried function is implemented.
pub const SUCCESS: i64 = 0;

/// SMCCC_VERSION (Arm architecture service, SMC32 only): answers 1.1.
pub const SMCCC_VERSION: u32 = 0x8000_0000;
/// SMCCC_ARCH_FEATURES (SMC32 only): x1 = a function ID of the Arm architecture service.
pub const SMCCC_ARCH_FEATURES: u32 = 0x8000_0001;
/// The version answered: major 1 in bits 30:16, minor 1 in bits 15:0.
pub const VERSION_1_1: i64 = 0x1_0001;

/// Owning entity 7, vendor-specific EL3 monitor calls: wells's own.
/// WELLS_SMC_COUNT (SMC32): the number of SMCs the monitor has answered, this one included.
pub const WELLS_SMC_COUNT: u32 = 0x8700_0000;

/// The owning entities (bits 29:24) the monitor tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// 0: the Arm architecture service (SMCCC_VERSION, SMCCC_ARCH_FEATURES, workarounds).
    Arm,
    /// 1: CPU service calls.
    Cpu,
    /// 2: silicon-provider (SiP) calls.
    SiliconProvider,
    /// 3: OEM calls.
    Oem,
    /// 4: standard secure services (PSCI).
    StandardSecure,
    /// 5: standard hypervisor services.
    StandardHypervisor,
    /// 6: vendor-specific hypervisor calls.
    VendorHypervisor,
    /// 7: vendor-specific EL3 monitor calls (wells's own).
    VendorMonitor,
    /// 8..=47: reserved.
    Reserved(u8),
    /// 48..=49: trusted applications.
    TrustedApplication(u8),
    /// 50..=63: trusted OSes.
    TrustedOs(u8),
}

/// A function identifier, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionId(pub u32);

impl FunctionId {
    /// Fast call (atomic, with interrupts masked) rather than yielding.
    pub fn is_fast(self) -> bool {
        self.0 & (1 << 31) != 0
    }

    /// The 64-bit convention (SMC64) rather than the 32-bit one.
    pub fn is_64(self) -> bool {
        self.0 & (1 << 30) != 0
    }

    /// Bits 29:24.
    pub fn owner_number(self) -> u8 {
        ((self.0 >> 24) & 0x3f) as u8
    }

    pub fn owner(self) -> Owner {
        match self.owner_number() {
            0 => Owner::Arm,
            1 => Owner::Cpu,
            2 => Owner::SiliconProvider,
            3 => Owner::Oem,
            4 => Owner::StandardSecure,
            5 => Owner::StandardHypervisor,
            6 => Owner::VendorHypervisor,
            7 => Owner::VendorMonitor,
            n @ 8..=47 => Owner::Reserved(n),
            n @ 48..=49 => Owner::TrustedApplication(n),
            n => Owner::TrustedOs(n),
        }
    }

    /// Bits 23:16, which a fast call must leave zero.
    pub fn reserved_bits(self) -> u8 {
        ((self.0 >> 16) & 0xff) as u8
    }

    /// Bits 15:0.
    pub fn number(self) -> u16 {
        self.0 as u16
    }
}

/// One SMC as the monitor took it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// w0.
    pub function: FunctionId,
    /// x1..x7 as the caller left them (the 32-bit convention reads their low halves).
    pub args: [u64; 7],
    /// The SMC instruction's immediate: SMCCC calls use `smc #0`.
    pub immediate: u16,
}

impl Call {
    /// From the caller's x0..x7 and the SMC's immediate.
    pub fn new(x: &[u64], immediate: u16) -> Call {
        let mut args = [0; 7];
        args.copy_from_slice(&x[1..8]);
        Call { function: FunctionId(x[0] as u32), args, immediate }
    }

    /// Argument `n` (1..=7) in the call's convention: the low 32 bits for SMC32.
    pub fn arg(&self, n: usize) -> u64 {
        let value = self.args[n - 1];
        if self.function.is_64() {
            value
        } else {
            value & 0xffff_ffff
        }
    }
}

/// What the monitor does with a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Return to the caller with x0 = this value (sign-extended for SMC32: W0 holds it) and
    /// x1..x3 zero; every other register as it was.
    Return(i64),
    /// PSCI SYSTEM_OFF: power the machine off.
    SystemOff,
    /// PSCI SYSTEM_RESET: reset the machine.
    SystemReset,
    /// PSCI CPU_SUSPEND to a standby state: wait for an interrupt, then return SUCCESS.
    Standby,
    /// PSCI CPU_ON of an off CPU: start `cpu` at `entry` (a normal-world address, at the
    /// caller's exception level) with x0 = `context`, then return SUCCESS.
    CpuOn { cpu: u32, entry: u64, context: u64 },
    /// PSCI CPU_OFF of the calling CPU: power it down; the call does not return.
    CpuOff,
}

/// The answer to `call`; `answered` counts the SMCs answered, this one included.
pub fn dispatch(call: &Call, machine: &Machine, answered: u64) -> Outcome {
    let id = call.function;
    // Yielding calls, fast calls with reserved bits set and SMCs with another immediate are
    // not SMCCC calls this monitor serves.
    if !id.is_fast() || id.reserved_bits() != 0 || call.immediate != 0 {
        return Outcome::Return(NOT_SUPPORTED);
    }
    match id.owner() {
        Owner::Arm => Outcome::Return(arm(call)),
        Owner::StandardSecure => psci::answer(call, machine),
        Owner::VendorMonitor if id.0 == WELLS_SMC_COUNT => Outcome::Return((answered & 0x7fff_ffff) as i64),
        _ => Outcome::Return(NOT_SUPPORTED),
    }
}

/// The Arm architecture service: SMCCC_VERSION and SMCCC_ARCH_FEATURES (no CPU workaround is
/// needed by the cores this runs on, so none is offered).
fn arm(call: &Call) -> i64 {
    match call.function.0 {
        SMCCC_VERSION => VERSION_1_1,
        SMCCC_ARCH_FEATURES => match call.arg(1) as u32 {
            SMCCC_VERSION | SMCCC_ARCH_FEATURES => SUCCESS,
            _ => NOT_SUPPORTED,
        },
        _ => NOT_SUPPORTED,
    }
}

/// True when `function` is one the monitor answers with something other than NOT_SUPPORTED
/// (SMCCC_ARCH_FEATURES and PSCI_FEATURES use it).
pub fn implemented(function: u32) -> bool {
    matches!(function, SMCCC_VERSION | SMCCC_ARCH_FEATURES | WELLS_SMC_COUNT) || psci::implemented(function)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_CPU: Machine = Machine::booted(1);

    fn call(function: u32, args: &[u64]) -> Call {
        let mut x = [0u64; 8];
        x[0] = function as u64;
        x[1..1 + args.len()].copy_from_slice(args);
        Call::new(&x, 0)
    }

    fn answer(function: u32, args: &[u64]) -> Outcome {
        dispatch(&call(function, args), &ONE_CPU, 1)
    }

    #[test]
    fn function_ids_decode() {
        let psci_on64 = FunctionId(0xc400_0003);
        assert!(psci_on64.is_fast() && psci_on64.is_64());
        assert_eq!(psci_on64.owner(), Owner::StandardSecure);
        assert_eq!(psci_on64.number(), 3);
        let version = FunctionId(SMCCC_VERSION);
        assert!(version.is_fast() && !version.is_64());
        assert_eq!(version.owner(), Owner::Arm);
        assert_eq!(FunctionId(0x8700_0000).owner(), Owner::VendorMonitor);
        assert_eq!(FunctionId(0x8800_0000).owner(), Owner::Reserved(8));
        assert_eq!(FunctionId(0xb000_0000).owner(), Owner::TrustedApplication(48));
        assert_eq!(FunctionId(0xbf00_0000).owner(), Owner::TrustedOs(63));
        assert_eq!(FunctionId(0x8001_0000).reserved_bits(), 1);
        assert!(!FunctionId(0x0400_0000).is_fast());
    }

    #[test]
    fn arm_architecture_calls() {
        assert_eq!(answer(SMCCC_VERSION, &[]), Outcome::Return(VERSION_1_1));
        assert_eq!(answer(SMCCC_ARCH_FEATURES, &[SMCCC_VERSION as u64]), Outcome::Return(SUCCESS));
        assert_eq!(answer(SMCCC_ARCH_FEATURES, &[SMCCC_ARCH_FEATURES as u64]), Outcome::Return(SUCCESS));
        // No CPU workaround is offered; PSCI IDs are not the architecture service's.
        assert_eq!(answer(SMCCC_ARCH_FEATURES, &[0x8000_8000]), Outcome::Return(NOT_SUPPORTED));
        assert_eq!(answer(SMCCC_ARCH_FEATURES, &[0x8400_0000]), Outcome::Return(NOT_SUPPORTED));
        // SMCCC_VERSION has no 64-bit form.
        assert_eq!(answer(0xc000_0000, &[]), Outcome::Return(NOT_SUPPORTED));
        // The 32-bit convention reads only the low half of x1.
        assert_eq!(answer(SMCCC_ARCH_FEATURES, &[0xffff_ffff_0000_0000 | SMCCC_VERSION as u64]), Outcome::Return(SUCCESS));
    }

    #[test]
    fn malformed_and_unknown_calls_are_not_supported() {
        // Yielding call, reserved bits, another immediate, unknown owners and numbers.
        assert_eq!(answer(SMCCC_VERSION & !(1 << 31), &[]), Outcome::Return(NOT_SUPPORTED));
        assert_eq!(answer(SMCCC_VERSION | (1 << 16), &[]), Outcome::Return(NOT_SUPPORTED));
        assert_eq!(dispatch(&Call { immediate: 1, ..call(SMCCC_VERSION, &[]) }, &ONE_CPU, 1), Outcome::Return(NOT_SUPPORTED));
        for function in [0x8100_0000, 0x8200_0000, 0xc300_ffff, 0x8500_0000, 0x8600_0001, 0x8700_0001, 0xb100_0000, 0xbf00_ffff, 0xffff_ffff, 0] {
            assert_eq!(answer(function, &[1, 2, 3]), Outcome::Return(NOT_SUPPORTED), "{function:#x}");
        }
    }

    #[test]
    fn the_smc_count_is_the_monitors() {
        let mut monitor = super::super::Monitor::new(ONE_CPU);
        monitor.answer(&call(0x1234_5678, &[]));
        monitor.answer(&call(SMCCC_VERSION, &[]));
        assert_eq!(monitor.answer(&call(WELLS_SMC_COUNT, &[])), Outcome::Return(3));
    }

    /// Random calls: every one gets an answer, and only the two system calls power anything.
    #[test]
    fn every_random_call_is_answered() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..100_000 {
            let x = [next(), next(), next(), next(), next(), next(), next(), next()];
            let outcome = dispatch(&Call::new(&x, (next() & 1) as u16), &ONE_CPU, 1);
            match outcome {
                Outcome::Return(value) => assert!((-9..=0x7fff_ffff).contains(&value)),
                Outcome::Standby => assert!(matches!(x[0] as u32, psci::CPU_SUSPEND | psci::CPU_SUSPEND_64)),
                _ => assert!(matches!(x[0] as u32, psci::SYSTEM_OFF | psci::SYSTEM_RESET)),
            }
        }
    }
}
