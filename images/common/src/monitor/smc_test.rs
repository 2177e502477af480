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

/// Runs the checks, printing one line per check and a summary; true when all passed.
pub fn run(conduit: Conduit, out: &mut dyn Write, level: u8) -> bool {
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

    // The machine's CPUs (QEMU `-smp`): the first affinity PSCI does not know ends them.
    let cpus = (1..8).find(|&cpu| call(conduit, psci::AFFINITY_INFO, &[cpu, 0]) == psci::INVALID_PARAMETERS).unwrap_or(8);
    let _ = writeln!(out, "smc: {cpus} CPU(s)");
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
    check(out, "CPU_OFF (CPU 0, the boot CPU)", call(conduit, psci::CPU_OFF, &[]), psci::DENIED);
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
    #[cfg(target_arch = "aarch64")]
    if call(conduit, psci::AFFINITY_INFO, &[1, 0]) != psci::INVALID_PARAMETERS {
        second_cpu::run(conduit, out, &mut check);
    }
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

/// PSCI on a second CPU (QEMU `-smp 2`): CPU 1 is started at a small entry of this image
/// ([`second_cpu::ENTRY`]), seen on, released, turned off by its own CPU_OFF, and started
/// again. The two share a mailbox; CPU 1 runs with its MMU off (Device memory), so CPU 0 cleans
/// and invalidates the mailbox's line before each look.
#[cfg(target_arch = "aarch64")]
mod second_cpu {
    use super::{call, Conduit};
    use core::fmt::Write;
    use core::sync::atomic::{AtomicU64, Ordering};
    use wells_core::arch::monitor::psci;

    /// [0]: CPU 1 sets 1 when it runs, 2 when it goes off; [1]: CPU 0 sets 1 to release it.
    #[repr(C, align(64))]
    struct Mailbox([AtomicU64; 2]);
    static MAILBOX: Mailbox = Mailbox([AtomicU64::new(0), AtomicU64::new(0)]);

    // CPU 1's entry, at the caller's level with its MMU off, x0 = the mailbox: says it runs,
    // waits for its release, says so and turns itself off (CPU_OFF does not return).
    core::arch::global_asm!(
        ".balign 4",
        ".global wells_smc_test_second_cpu",
        "wells_smc_test_second_cpu:",
        "    mov x1, #1",
        "    str x1, [x0]",
        "    dsb sy",
        "1:  ldr x1, [x0, #8]",
        "    cbz x1, 1b",
        "    mov x1, #2",
        "    str x1, [x0]",
        "    dsb sy",
        "    movz x0, #0x8400, lsl #16",
        "    movk x0, #0x0002",
        "    smc #0",
        "2:  b 2b",
    );
    extern "C" {
        fn wells_smc_test_second_cpu();
    }

    /// Spins before a wait counts as lost (the other CPU runs in QEMU's round robin).
    const PATIENCE: u32 = 10_000_000;

    /// Mailbox word `at` as CPU 1 left it in memory.
    fn seen(at: usize) -> u64 {
        let word = &MAILBOX.0[at];
        // SAFETY: cleans and invalidates the one cache line of the mailbox, which this image
        // owns; allowed at EL1 and EL2.
        unsafe { core::arch::asm!("dc civac, {0}", "dsb sy", in(reg) word as *const AtomicU64, options(nostack)) };
        word.load(Ordering::SeqCst)
    }

    fn wait(what: impl Fn() -> bool) -> bool {
        (0..PATIENCE).any(|_| {
            core::hint::spin_loop();
            what()
        })
    }

    /// Starts CPU 1 and waits until it runs; 1 when it did.
    fn start(conduit: Conduit) -> (i64, i64) {
        MAILBOX.0[0].store(0, Ordering::SeqCst);
        MAILBOX.0[1].store(0, Ordering::SeqCst);
        // SAFETY: as in `seen`: the stores reach memory before CPU 1 looks.
        unsafe { core::arch::asm!("dc civac, {0}", "dsb sy", in(reg) &MAILBOX as *const Mailbox, options(nostack)) };
        let entry = wells_smc_test_second_cpu as *const () as usize as u64;
        let answer = call(conduit, psci::CPU_ON_64, &[1, entry, &MAILBOX as *const Mailbox as u64]);
        (answer, wait(|| seen(0) == 1) as i64)
    }

    /// Releases CPU 1 and waits until PSCI reports it off; its AFFINITY_INFO then.
    fn stop(conduit: Conduit) -> i64 {
        MAILBOX.0[1].store(1, Ordering::SeqCst);
        // SAFETY: as in `start`.
        unsafe { core::arch::asm!("dc civac, {0}", "dsb sy", in(reg) &MAILBOX as *const Mailbox, options(nostack)) };
        wait(|| call(conduit, psci::AFFINITY_INFO, &[1, 0]) == psci::AFFINITY_OFF);
        call(conduit, psci::AFFINITY_INFO, &[1, 0])
    }

    pub(super) fn run(conduit: Conduit, out: &mut dyn Write, check: &mut dyn FnMut(&mut dyn Write, &str, i64, i64)) {
        check(out, "AFFINITY_INFO(cpu 1, parked)", call(conduit, psci::AFFINITY_INFO, &[1, 0]), psci::AFFINITY_OFF);
        check(out, "CPU_ON_64(cpu 1, outside RAM)", call(conduit, psci::CPU_ON_64, &[1, 0x1000, 0]), psci::INVALID_ADDRESS);
        check(out, "CPU_ON_64(cpu 1, misaligned)", call(conduit, psci::CPU_ON_64, &[1, wells_smc_test_second_cpu as *const () as usize as u64 + 2, 0]), psci::INVALID_ADDRESS);
        let (answer, ran) = start(conduit);
        check(out, "CPU_ON_64(cpu 1)", answer, psci::SUCCESS);
        check(out, "cpu 1 ran from its entry", ran, 1);
        check(out, "CPU_ON_64(cpu 1, on)", call(conduit, psci::CPU_ON_64, &[1, wells_smc_test_second_cpu as *const () as usize as u64, 0]), psci::ALREADY_ON);
        check(out, "AFFINITY_INFO(cpu 1, on)", call(conduit, psci::AFFINITY_INFO, &[1, 0]), psci::AFFINITY_ON);
        check(out, "AFFINITY_INFO(cpu 1) after its CPU_OFF", stop(conduit), psci::AFFINITY_OFF);
        check(out, "cpu 1 said it went off", seen(0) as i64, 2);
        // Parked again: a second CPU_ON starts it over on a fresh EL3 stack.
        let (answer, ran) = start(conduit);
        check(out, "CPU_ON_64(cpu 1) again", answer, psci::SUCCESS);
        check(out, "cpu 1 started again after its CPU_OFF", ran, 1);
        check(out, "AFFINITY_INFO(cpu 1) after its second CPU_OFF", stop(conduit), psci::AFFINITY_OFF);
    }
}
