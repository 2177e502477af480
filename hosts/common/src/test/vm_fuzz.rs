//! Hypercall fuzzing: the bare guest makes random defined hypercalls (its `fuzz.rs`) while a
//! spinning VM beside it must keep getting the CPU; then the fuzzer must power off with no
//! violation and the heap must be consistent (the runner then checks every allocation came
//! back).

use super::vms::{expect, expect_stopped, run, scenario, spec};
use super::{check, spawn, Test, TestResult, MS};
use crate::vms::{self, OnFault, VmPlatform};
use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

/// How often the watchdog looks at the spinning VM: it must have run in every such window.
const WINDOW_NS: u64 = 50 * MS;

/// The fuzzer VM makes 100 000 hypercalls, or 1 000 000 with `soak`.
pub fn test<P: VmPlatform>(bare: &'static [u8], soak: bool) -> Test<P> {
    let scenario = if soak { scenario::FUZZ_SOAK } else { scenario::FUZZ };
    Test::new("vm_hypercall_fuzz", move |board| fuzz(board, bare, scenario))
}

fn fuzz<P: VmPlatform>(board: &P, bare: &'static [u8], fuzz_scenario: u64) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(4, 1).map_err(|e| format!("port: {e}"))?;
    let fuzzer = vms::start::<P>(&k, &spec::<P>("fuzzer", bare, fuzz_scenario, OnFault::Stop, &[port]))?;
    let spinner = vms::start::<P>(&k, &spec::<P>("spinner", bare, scenario::SPIN, OnFault::Stop, &[]))?;
    let (windows, stalls) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (w, s) = (windows.clone(), stalls.clone());
    spawn::<P>("watchdog", 20, move || {
        let k = P::kernel();
        let run_time = || k.thread_stats(spinner.vcpu).map_or(0, |t| t.run_time_ns);
        let mut last = run_time();
        while k.domain_live_threads(fuzzer.domain) > 0 {
            k.sleep_ns(WINDOW_NS).unwrap();
            let now = run_time();
            w.fetch_add(1, Ordering::SeqCst);
            if now == last {
                s.fetch_add(1, Ordering::SeqCst);
            }
            last = now;
        }
        let _ = vms::shut_down::<P>(k, spinner.domain, "the test is over");
        0
    });
    run(&k)?;
    let _ = k.port_destroy(port);
    let heap = board.heap_stats();
    let (windows, stalls) = (windows.load(Ordering::SeqCst), stalls.load(Ordering::SeqCst));
    crate::println!(P, "fuzz: the spinning VM ran in {} of {windows} windows of 50 ms; heap {} used + {} free of {}", windows - stalls, heap.used, heap.free, heap.total);
    check(heap.used + heap.free == heap.total && heap.used <= heap.peak_used, || format!("heap inconsistent: {heap:?}"))?;
    check(stalls == 0, || format!("the spinning VM stalled in {stalls} windows"))?;
    expect::<P>("fuzzer", &crate::vms::Outcome::Off(0))?;
    expect_stopped::<P>("spinner", "the test is over")
}
