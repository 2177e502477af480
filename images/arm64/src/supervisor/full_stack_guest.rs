//! The full stack's guest (feature `full-stack-guest`): a supervisor in a VM of the wells
//! hypervisor, which runs below the wells monitor. Before its tasks start it checks that the PSCI
//! calls about the machine reach the monitor through the hypervisor — the answers differ from
//! the hypervisor's own (PSCI 1.1 rather than 1.0) — and that the VM's own CPUs and power stay
//! the hypervisor's (AFFINITY_INFO of its vCPUs, level 0 only), and
//! lets its tasks read the cycle counter (the client task measures its secure calls).

use super::Board;
use wells_core::arch::aarch64::{cycle_counter_start, psci as hvc, smc};
use wells_core::arch::monitor::psci;

/// Checks one answer; prints `ok` or `not ok`.
fn check(name: &str, answer: i64, expected: i64) -> bool {
    if answer == expected {
        wells_board_common::println!(Board, "ok - guest {name} = {}", Status(answer));
        true
    } else {
        wells_board_common::println!(Board, "not ok - guest {name} = {}, expected {}", Status(answer), Status(expected));
        false
    }
}

/// An answer as the docs write it: an error code in decimal, anything else in hex.
struct Status(i64);

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 < 0 {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:#x}", self.0)
        }
    }
}

/// The checks (the guest's SMCs are trapped to the hypervisor, which passes these up); true
/// when one failed.
pub(crate) fn check_psci() -> bool {
    let mut ok = true;
    ok &= check("PSCI_VERSION by HVC (the monitor's 1.1)", hvc::call(psci::PSCI_VERSION), psci::VERSION_1_1);
    ok &= check("PSCI_VERSION by SMC (the monitor's 1.1)", smc::call3(psci::PSCI_VERSION, 0, 0, 0), psci::VERSION_1_1);
    ok &= check("PSCI_FEATURES(AFFINITY_INFO)", smc::call3(psci::PSCI_FEATURES, psci::AFFINITY_INFO as u64, 0, 0), 0);
    ok &= check("PSCI_FEATURES(SYSTEM_OFF), the VM's", smc::call3(psci::PSCI_FEATURES, psci::SYSTEM_OFF as u64, 0, 0), 0);
    ok &= check("PSCI_FEATURES(0x840000ff), unknown", smc::call3(psci::PSCI_FEATURES, 0x8400_00ff, 0, 0), -1);
    ok &= check("AFFINITY_INFO(cpu 0)", smc::call3(psci::AFFINITY_INFO_64, 0, 0, 0), psci::AFFINITY_ON);
    ok &= check("AFFINITY_INFO(cpu 1), no such CPU", smc::call3(psci::AFFINITY_INFO, 1, 0, 0), psci::INVALID_PARAMETERS);
    ok &= check("AFFINITY_INFO(cpu 0, level 1), the hypervisor's refusal", smc::call3(psci::AFFINITY_INFO, 0, 1, 0), psci::INVALID_PARAMETERS);
    ok &= check("secure call 0xf00000ff from EL1, unknown", smc::call3(0xf000_00ff, 0, 0, 0), -1);
    cycle_counter_start();
    boot_time();
    !ok
}

/// The full stack's boot, from QEMU's reset to this guest's tasks starting (just before the
/// first EL0 line of the normal world): the counter's time since reset (the hypervisor leaves
/// CNTVOFF_EL2 at 0), which under `-icount shift=0` is one nanosecond per instruction run on
/// the core — by the monitor, the secure world, the hypervisor and both VMs.
fn boot_time() {
    let (count, frequency) = wells_core::arch::aarch64::counter();
    let ns = (count as u128 * 1_000_000_000 / frequency.max(1) as u128) as u64;
    wells_board_common::println!(Board, "bench: full stack boot, reset to the first guest's tasks: {ns} instructions under -icount (the counter's time, 1 ns each)");
}
