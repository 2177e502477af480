//! The hypervisor's benchmarks, under `-icount` like the boards' own (`bench.rs`): the guests
//! count instructions with their PMU cycle counter and send their figures on a port. First the
//! supervisor's own benchmark image runs as a guest (its table comes out prefixed with the VM's
//! name, for comparison with the same image run natively); then the bare guest measures a
//! hypercall round trip, a yield that switches to another VM, and the virtual timer interrupt
//! reaching its handler. Prints one table between the markers `cargo xtask bench` looks for.

use crate::bench::{print_table, report, Outcome};
use crate::hypervisor::{self, Outcome as VmOutcome, VmPlatform, VmSpec};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use wells_core::Timeout;

/// Figures each bare-guest measurement sends: a warm-up, then the repetitions kept.
const SENT: usize = 8;
/// Operations in each of the bare guest's measured repetitions (its `N`).
const GUEST_OPS: u64 = 1000;
/// The bare guest's program name for `cargo xtask profile` (whose symbols name its code).
const BARE_GUEST: &str = "wells-bare-guest";
/// RAM of a supervisor guest.
const SUPERVISOR_RAM: usize = 128 << 20;
/// RAM of a bare guest.
const BARE_RAM: usize = 4 << 20;

/// The bare guest's benchmark scenarios (its `Scenario`).
const HYPERCALL: u64 = 9;
const YIELD: u64 = 10;
const YIELD_PARTNER: u64 = 11;
const TIMER_INTERRUPT: u64 = 12;

/// Runs every measurement; returns 1 when one failed.
pub fn run<P: VmPlatform>(board: &P, bare: &'static [u8], supervisor_bench: &'static [u8]) -> i32 {
    // The profile build (`cargo xtask profile`, every instruction logged) leaves out the
    // supervisor's own benchmark, which its own board profiles.
    let guest = if cfg!(feature = "profile") { Ok(()) } else { supervisor_as_guest(board, supervisor_bench) };
    let mut rows: Vec<(String, Outcome)> = Vec::new();
    let mut measure = |name: &str, outcome: Outcome| {
        report::<P>(name, &outcome);
        rows.push((String::from(name), outcome));
    };
    let hypercall = "hypercall round trip (guest -> hypervisor -> guest, wells version call)";
    crate::profile::row::<P>(hypercall, SENT as u64, GUEST_OPS, BARE_GUEST);
    measure(hypercall, bare_figures(board, bare, &[HYPERCALL]).into());
    let vcpu_yield = "yield hypercall switching to another VM's vCPU (per yield)";
    crate::profile::row::<P>(vcpu_yield, SENT as u64, GUEST_OPS, BARE_GUEST);
    measure(vcpu_yield, bare_figures(board, bare, &[YIELD, YIELD_PARTNER]).into());
    measure("virtual timer IRQ to the guest's handler running", bare_figures(board, bare, &[TIMER_INTERRUPT]).into());
    if let Err(why) = guest {
        measure("the supervisor benchmark as a guest", Outcome::Failed(why));
    }
    print_table::<P>(&rows)
}

/// The supervisor's benchmark image in a VM named `guest`: its own table is its result.
fn supervisor_as_guest<P: VmPlatform>(board: &P, image: &'static [u8]) -> Result<(), String> {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &VmSpec::new("guest", image, P::RAM_IPA, SUPERVISOR_RAM))?;
    k.run().map_err(|e| format!("run: {e}"))?;
    match P::vms().report("guest").map(|r| r.outcome) {
        Some(VmOutcome::Off(0)) => Ok(()),
        other => Err(format!("the guest ended {other:?}")),
    }
}

/// Runs one bare guest per scenario in `scenarios` (the first one measures) and collects the
/// figures it sends; returns the repetitions after the warm-up.
fn bare_figures<P: VmPlatform>(board: &P, bare: &'static [u8], scenarios: &[u64]) -> Result<Vec<u64>, String> {
    let k = board.new_kernel();
    let results = k.port_create(8, SENT as u32).map_err(|e| format!("port: {e}"))?;
    let names = ["bench", "partner"];
    for (&scenario, name) in scenarios.iter().zip(names) {
        let spec = VmSpec { arg: scenario, ports: &[results], ..VmSpec::new(name, bare, P::RAM_IPA, BARE_RAM) };
        hypervisor::start::<P>(&k, &spec)?;
    }
    // Above the VMs, so each figure is taken at once (after the guest's measured loop).
    let figures = Arc::new(spin::Mutex::new(Vec::new()));
    let collected = figures.clone();
    let collector = Box::new(move || {
        let mut buffer = [0u8; 8];
        for _ in 0..SENT {
            if P::kernel().port_receive(results, &mut buffer, Timeout::Forever).is_err() {
                return 1;
            }
            collected.lock().push(u64::from_le_bytes(buffer));
        }
        0
    });
    let thread = k.thread_create("collector", 9, 0, collector).map_err(|e| format!("collector: {e}"))?;
    k.thread_start(thread).map_err(|e| format!("collector: {e}"))?;
    k.run().map_err(|e| format!("run: {e}"))?;
    let _ = k.port_destroy(results);
    for name in &names[..scenarios.len()] {
        match P::vms().report(name).map(|r| r.outcome) {
            Some(VmOutcome::Off(0)) => {}
            other => return Err(format!("vm '{name}' ended {other:?}")),
        }
    }
    let figures = figures.lock().clone();
    if figures.len() != SENT {
        return Err(format!("{} figures sent, {SENT} expected", figures.len()));
    }
    Ok(figures[1..].to_vec())
}
