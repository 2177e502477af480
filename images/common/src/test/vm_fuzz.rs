//! Hypercall fuzzing: the bare guest makes random defined hypercalls (its `fuzz.rs`) while a
//! spinning VM beside it must keep getting the CPU; then the fuzzer must power off with no
//! violation and the heap must be consistent (the runner then checks every allocation came
//! back).

use super::vms::{expect, expect_stopped, run, scenario, spec};
use super::{check, Test, TestResult};
use crate::hypervisor::{self, OnFault, VmPlatform};
use alloc::format;
use alloc::vec::Vec;

/// Restarts of the VM whose random function IDs stop it.
const RESTARTS: u32 = 20;

/// The fuzzer VM makes 100 000 hypercalls, or 1 000 000 with `soak`; then a VM that also
/// makes random function IDs is stopped by them and restarted, 20 times.
pub fn tests<P: VmPlatform>(bare: &'static [u8], soak: bool) -> Vec<Test<P>> {
    let scenario = if soak { scenario::FUZZ_SOAK } else { scenario::FUZZ };
    alloc::vec![
        Test::new("vm_hypercall_fuzz", move |board| fuzz(board, bare, scenario)),
        Test::new("vm_undefined_hypercalls_restart_only_that_vm", move |board| undefined(board, bare)),
    ]
}

/// Random function IDs end each run of "chaos" (an undefined one is a fault) until its
/// restarts are used up; "steady" beside it finishes its count.
fn undefined<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("chaos", bare, scenario::FUZZ_UNDEFINED, OnFault::Restart { at_most: RESTARTS }, &[]))?;
    hypervisor::start::<P>(&k, &spec::<P>("steady", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    run(&k)?;
    expect_stopped::<P>("chaos", "undefined hypercall")?;
    let restarts = P::vms().report("chaos").map(|r| r.restarts);
    check(restarts == Some(RESTARTS), || format!("chaos restarted {restarts:?} times, expected {RESTARTS}"))?;
    let lines = expect::<P>("steady", &crate::hypervisor::Outcome::Off(0))?;
    check(lines == 10, || format!("steady printed {lines} lines, expected 10"))?;
    let heap = board.heap_stats();
    check(heap.used + heap.free == heap.total, || format!("heap inconsistent: {heap:?}"))
}

fn fuzz<P: VmPlatform>(board: &P, bare: &'static [u8], fuzz_scenario: u64) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(4, 1).map_err(|e| format!("port: {e}"))?;
    let fuzzer = hypervisor::start::<P>(&k, &spec::<P>("fuzzer", bare, fuzz_scenario, OnFault::Stop, &[port]))?;
    let spinner = hypervisor::start::<P>(&k, &spec::<P>("spinner", bare, scenario::SPIN, OnFault::Stop, &[]))?;
    let heartbeat = super::fuzz::watch_heartbeat::<P>(
        spinner.vcpu,
        move || P::kernel().domain_live_threads(fuzzer.domain) > 0,
        move || {
            let _ = hypervisor::shut_down::<P>(P::kernel(), spinner.domain, "the test is over");
        },
    );
    run(&k)?;
    let _ = k.port_destroy(port);
    let heap = board.heap_stats();
    let (windows, stalls) = heartbeat.counts();
    crate::println!(P, "fuzz: the spinning VM ran in {} of {windows} windows of 50 ms; heap {} used + {} free of {}", windows - stalls, heap.used, heap.free, heap.total);
    check(heap.used + heap.free == heap.total && heap.used <= heap.peak_used, || format!("heap inconsistent: {heap:?}"))?;
    check(stalls == 0, || format!("the spinning VM stalled in {stalls} windows"))?;
    expect::<P>("fuzzer", &crate::hypervisor::Outcome::Off(0))?;
    expect_stopped::<P>("spinner", "the test is over")
}
