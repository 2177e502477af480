//! The normal world's test of the monitor above it, through SMC: the answers of the SMCCC and
//! PSCI functions the monitor offers (`docs/monitor.md`), and random SMCs — random function
//! IDs and arguments from a fixed-seed generator — each of which must be answered (a result in
//! x0, x1..x3 zero, x4..x17 kept) and counted by the monitor. The image supplies the conduit
//! (`smc #0` from where it runs) and the console; the two system functions are left out of the
//! random ones (they end the run), and so is CPU_SUSPEND (a standby with no interrupt to end it
//! would never return); the image ends with SYSTEM_OFF itself.
//!
//! When the monitor has a secure world (its service answers SERVICE_VERSION), the random calls
//! of owning entities 48..=63 go there and back through the world switch: their answers carry a
//! value in x1 (x2, x3 zero), every other register must come back as sent all the same.

use core::fmt::Write;
use wells_core::arch::monitor::psci;
use wells_core::arch::monitor::secure;
use wells_core::arch::monitor::smccc::{self, NOT_SUPPORTED};

/// Random SMCs the test makes.
pub const RANDOM_CALLS: u32 = 10_000;

/// One SMC: x0..x17 in, the monitor's registers out.
pub type Conduit = fn(&mut [u64; 18]);

fn call(conduit: Conduit, function: u32, args: &[u64]) -> i64 {
    let mut x = [0u64; 18];
    x[0] = function as u64;
    x[1..1 + args.len()].copy_from_slice(args);
    conduit(&mut x);
    x[0] as i64
}

/// An answer as SMCCC writes them: error codes negative, versions and IDs in hex.
struct Value(i64);

impl core::fmt::Display for Value {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 < 0 {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

/// A 64-bit xorshift generator: the same calls on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A function ID: half fully random, half in the ranges the monitor serves (a fast call
    /// of the Arm, PSCI or wells owner, either convention, a low function number).
    fn function(&mut self) -> u32 {
        let bits = self.next();
        if bits & 1 == 0 {
            return (bits >> 32) as u32;
        }
        let owner = [0u32, 4, 7, (bits >> 8) as u32 & 0x3f][(bits >> 1) as usize & 3];
        let convention = ((bits >> 3) as u32 & 1) << 30;
        let number = if bits & (1 << 4) != 0 { (bits >> 16) as u32 & 0x1f } else { (bits >> 16) as u32 & 0xffff };
        (1 << 31) | convention | (owner << 24) | number
    }
}

/// Runs the checks, printing one line per check and a summary; true when all passed. `cpus`
/// is how many CPUs the machine has (QEMU `-smp`).
pub fn run(conduit: Conduit, out: &mut dyn Write, level: u8, cpus: u64) -> bool {
    let mut failed = 0;
    let mut check = |out: &mut dyn Write, name: &str, got: i64, want: i64| {
        if got == want {
            let _ = writeln!(out, "ok - smc {name} = {}", Value(got));
        } else {
            let _ = writeln!(out, "not ok - smc {name}: got {}, want {}", Value(got), Value(want));
            failed += 1;
        }
    };
    // The secure service's SERVICE_VERSION (`docs/monitor.md`): 1.0 when there is a secure world.
    let mut probe = [0u64; 18];
    probe[0] = 0xf000_0000;
    conduit(&mut probe);
    let secure_world = probe[0] == 0 && probe[1] == 0x1_0000;
    let _ = writeln!(out, "smc: secure world {}", if secure_world { "present: calls of owning entities 48..=63 go through the world switch" } else { "absent" });

    check(out, "SMCCC_VERSION", call(conduit, smccc::SMCCC_VERSION, &[]), smccc::VERSION_1_1);
    // The monitor's vectors answer SMCCC_VERSION on a fast path: the same answer, garbage above
    // w0 ignored, x1..x17 as SMCCC asks, and counted like every other SMC.
    let mut garbage = [0x5a5a_5a5a_5a5a_5a5a_u64; 18];
    garbage[0] = 0xdead_beef_0000_0000 | smccc::SMCCC_VERSION as u64;
    conduit(&mut garbage);
    let kept = garbage[4..].iter().all(|&x| x == 0x5a5a_5a5a_5a5a_5a5a) && garbage[1..4] == [0, 0, 0];
    check(out, "SMCCC_VERSION with garbage above w0, x1..x3 cleared, x4..x17 kept", if kept { garbage[0] as i64 } else { NOT_SUPPORTED }, smccc::VERSION_1_1);
    let before = call(conduit, smccc::WELLS_SMC_COUNT, &[]);
    call(conduit, smccc::SMCCC_VERSION, &[]);
    let after = call(conduit, smccc::WELLS_SMC_COUNT, &[]);
    check(out, "SMCCC_VERSION counted (calls between two counts)", after - before, 2);
    check(out, "SMCCC_ARCH_FEATURES(SMCCC_VERSION)", call(conduit, smccc::SMCCC_ARCH_FEATURES, &[smccc::SMCCC_VERSION as u64]), 0);
    check(out, "SMCCC_ARCH_FEATURES(WORKAROUND_1)", call(conduit, smccc::SMCCC_ARCH_FEATURES, &[0x8000_8000]), NOT_SUPPORTED);
    check(out, "PSCI_VERSION", call(conduit, psci::PSCI_VERSION, &[]), psci::VERSION_1_1);
    check(out, "PSCI_FEATURES(CPU_ON)", call(conduit, psci::PSCI_FEATURES, &[psci::CPU_ON as u64]), psci::SUCCESS);
    check(out, "PSCI_FEATURES(AFFINITY_INFO_64)", call(conduit, psci::PSCI_FEATURES, &[psci::AFFINITY_INFO_64 as u64]), psci::SUCCESS);
    check(out, "PSCI_FEATURES(SYSTEM_OFF)", call(conduit, psci::PSCI_FEATURES, &[psci::SYSTEM_OFF as u64]), psci::SUCCESS);
    check(out, "PSCI_FEATURES(CPU_SUSPEND)", call(conduit, psci::PSCI_FEATURES, &[psci::CPU_SUSPEND as u64]), psci::SUCCESS);
    check(out, "PSCI_FEATURES(CPU_OFF)", call(conduit, psci::PSCI_FEATURES, &[psci::CPU_OFF as u64]), psci::SUCCESS);
    check(out, "CPU_OFF (the only CPU on)", call(conduit, psci::CPU_OFF, &[]), psci::DENIED);
    check(out, "CPU_SUSPEND(power-down state)", call(conduit, psci::CPU_SUSPEND, &[1 << 16, 0x4008_0000, 0]), psci::INVALID_PARAMETERS);
    check(out, "CPU_SUSPEND_64(power level 1)", call(conduit, psci::CPU_SUSPEND_64, &[1 << 24, 0x4008_0000, 0]), psci::INVALID_PARAMETERS);
    check(out, "AFFINITY_INFO(cpu 0)", call(conduit, psci::AFFINITY_INFO, &[0, 0]), psci::AFFINITY_ON);
    check(out, "AFFINITY_INFO_64(cpu 0)", call(conduit, psci::AFFINITY_INFO_64, &[0, 0]), psci::AFFINITY_ON);
    check(out, "AFFINITY_INFO(no such cpu)", call(conduit, psci::AFFINITY_INFO, &[cpus, 0]), psci::INVALID_PARAMETERS);
    check(out, "AFFINITY_INFO(cpu 0, level 1)", call(conduit, psci::AFFINITY_INFO, &[0, 1]), psci::INVALID_PARAMETERS);
    // A secure world is a uniprocessor Trusted OS resident on CPU 0.
    let (migrate_type, up_cpu) = if secure_world { (psci::MIGRATE_UP_NOT_CAPABLE, 0) } else { (psci::MIGRATE_NOT_NEEDED, NOT_SUPPORTED) };
    check(out, "MIGRATE_INFO_TYPE", call(conduit, psci::MIGRATE_INFO_TYPE, &[]), migrate_type);
    check(out, "MIGRATE_INFO_UP_CPU", call(conduit, psci::MIGRATE_INFO_UP_CPU, &[]), up_cpu);
    check(out, "CPU_ON(cpu 0)", call(conduit, psci::CPU_ON, &[0, 0x4008_0000, 0]), psci::ALREADY_ON);
    check(out, "CPU_ON_64(no such cpu)", call(conduit, psci::CPU_ON_64, &[cpus, 0x4008_0000, 0]), psci::INVALID_PARAMETERS);
    check(out, "unknown SiP call 0x82001234", call(conduit, 0x8200_1234, &[1, 2, 3]), NOT_SUPPORTED);
    check(out, "yielding call 0x04000000", call(conduit, 0x0400_0000, &[]), NOT_SUPPORTED);

    // Random calls: each answered, x1..x3 cleared, x4..x17 kept, and each counted.
    let before = call(conduit, smccc::WELLS_SMC_COUNT, &[]);
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let (mut calls, mut bad) = (0u32, 0u32);
    while calls < RANDOM_CALLS {
        let function = random.function();
        if matches!(function, psci::SYSTEM_OFF | psci::SYSTEM_RESET | psci::CPU_SUSPEND | psci::CPU_SUSPEND_64) {
            continue;
        }
        let mut x = [0u64; 18];
        for word in x.iter_mut() {
            *word = random.next();
        }
        // Sometimes garbage above the 32-bit function ID, which the monitor must ignore.
        x[0] = if x[0] & 1 == 0 { function as u64 } else { (x[0] & !0xffff_ffff) | function as u64 };
        let sent = x;
        conduit(&mut x);
        calls += 1;
        let result = x[0] as i64;
        // The secure world's answers carry a value in x1.
        let value_ok = x[1] == 0 || (secure_world && secure::is_for_secure_world(function));
        let answered = (-9..=0x7fff_ffff).contains(&result) && value_ok && x[2..4] == [0, 0] && x[4..] == sent[4..];
        if !answered {
            bad += 1;
            if bad <= 3 {
                let _ = writeln!(out, "smc fuzz: call {calls} {function:#010x}: x0 = {result:#x}, x1..x3 = {:x?}, x4..x17 kept: {}", &x[1..4], x[4..] == sent[4..]);
            }
        }
    }
    let after = call(conduit, smccc::WELLS_SMC_COUNT, &[]);
    let counted = after - before;
    let _ = writeln!(
        out,
        "smc fuzz: {calls} random calls from EL{level}, {} answered as SMCCC asks, monitor counted {counted}",
        calls - bad
    );
    check(out, "fuzz: calls answered badly", bad as i64, 0);
    check(out, "fuzz: calls the monitor counted", counted, RANDOM_CALLS as i64 + 1);
    failed == 0
}
