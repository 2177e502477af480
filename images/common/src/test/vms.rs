//! The VM scenarios of a hypervisor image: guests that share the CPU, a guest held to its time
//! budget, a guest stopped by a stage-2 fault while the other goes on, a guest restarted by
//! SYSTEM_RESET, a message round trip between guests through ports, the hypercall ABI with bad
//! buffers (console and ports), and faults that stop or (bounded) restart a VM (a device it was not given too). Every scenario runs the bare test guest (`images/bare-guest`),
//! whose behaviour its argument selects.

use super::{check, spawn, Test, TestResult, MS};
use crate::hypervisor::{self, Devices, OnFault, Outcome, VmPlatform, VmSpec};
use alloc::sync::Arc;
use crate::atomic64::AtomicU64;
use core::sync::atomic::Ordering;
use wells_core::domain::CpuBudget;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::{Handle, Kernel};

/// The bare guest's scenarios (its `Scenario`, `images/bare-guest/src/main.rs`).
pub(super) mod scenario {
    pub const COUNT: u64 = 0;
    pub const WILD_WRITE: u64 = 1;
    pub const RESET_ONCE: u64 = 2;
    pub const PING: u64 = 3;
    pub const PONG: u64 = 4;
    pub const BAD_HYPERCALL: u64 = 5;
    pub const FOREIGN_DEVICE: u64 = 6;
    pub const HYPERCALLS: u64 = 7;
    pub const SPIN: u64 = 8;
    pub const TOUCH_DEBUG: u64 = 13;
    pub const TOUCH_PMU: u64 = 14;
    pub const TIMER_BY_COMPARE: u64 = 15;
    pub const PORT_BUFFERS: u64 = 16;
    pub const FUZZ: u64 = 17;
    pub const FUZZ_SOAK: u64 = 18;
    pub const FUZZ_UNDEFINED: u64 = 19;
    pub const RESET_FROM_SECOND: u64 = 21;
    pub const FAULT_ON_SECOND: u64 = 22;
}

/// RAM of one bare guest.
const GUEST_RAM: usize = 4 << 20;
/// RAM of one supervisor guest (its image, stacks and 96 MiB heap).
pub(super) const SUPERVISOR_RAM: usize = 128 << 20;

/// The scenarios, on guest images `bare` (the bare test guest) and `supervisor` (a supervisor
/// image's demo, the same image that runs natively).
pub fn tests<P: VmPlatform>(bare: &'static [u8], supervisor: &'static [u8], smp: Option<&'static [u8]>) -> Vec<Test<P>> {
    let mut tests = alloc::vec![
        Test::new("vm_supervisor_guests_run_their_demo", move |board| supervisors_run_their_demo(board, supervisor)),
        Test::new("vm_two_guests_share_the_cpu", move |board| two_guests_share_the_cpu(board, bare)),
        Test::new("vm_spinning_guest_is_preempted", move |board| spinning_guest_is_preempted(board, bare)),
        Test::new("vm_timer_rearmed_by_compare_keeps_firing", move |board| timer_rearmed_by_compare(board, bare)),
        Test::new("vm_time_budget_bounds_a_spinning_guest", move |board| time_budget_bounds_a_spinning_guest(board, bare)),
        Test::new("vm_stage2_fault_stops_only_that_vm", move |board| stage2_fault_stops_only_that_vm(board, bare)),
        Test::new("vm_system_reset_restarts_the_vm", move |board| system_reset_restarts_the_vm(board, bare)),
        Test::new("vm_message_round_trip_between_guests", move |board| message_round_trip(board, bare)),
        Test::new("vm_hypercalls_check_guest_buffers", move |board| hypercalls_check_buffers(board, bare)),
        Test::new("vm_port_calls_check_guest_buffers", move |board| port_calls_check_buffers(board, bare)),
        Test::new("vm_bad_hypercall_and_foreign_device_are_contained", move |board| bad_calls_are_contained(board, bare)),
        Test::new("vm_fault_restarts_are_bounded", move |board| fault_restarts_are_bounded(board, bare)),
        Test::new("vm_destroyed_vms_give_everything_back", move |board| destroyed_vms_give_everything_back(board, bare)),
        Test::new("vm_failed_start_leaves_nothing", move |board| failed_start_leaves_nothing(board, bare)),
        Test::new("vm_bad_vcpu_counts_are_refused", move |board| bad_vcpu_counts_are_refused(board, bare)),
        Test::new("vm_two_vcpus_reset_from_vcpu_1", move |board| with_kernel(board, |k| two_vcpus_reset_from_vcpu_1::<P>(k, bare).map(drop))),
        Test::new("vm_three_vcpus_reset_while_one_waits_on_a_port", move |board| three_vcpus_reset_while_one_waits_on_a_port(board, bare)),
        Test::new("vm_two_vcpus_fault_restarts_are_bounded", move |board| with_kernel(board, |k| two_vcpus_fault_restarts_are_bounded::<P>(k, bare).map(drop))),
    ];
    if let Some(smp) = smp {
        tests.push(Test::new("vm_two_vcpus_run_an_smp_guest", move |board| two_vcpus_run_an_smp_guest(board, smp)));
    }
    tests
}

/// The board's SMP image, unmodified, in a VM with two vCPUs: it starts its second CPU with
/// PSCI CPU_ON and checks it (its MPIDR, timer tick, an SGI through the emulated distributor, a
/// spin lock and 10 000 values passed across); arm64's (the SMP demo) then runs one kernel's
/// threads on both and wakes them across CPUs with SGIs. It powers off with status 0 only if
/// every check passed.
fn two_vcpus_run_an_smp_guest<P: VmPlatform>(board: &P, smp: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &VmSpec { vcpus: 2, ..VmSpec::new("smp", smp, P::RAM_IPA, SUPERVISOR_RAM) })?;
    run(&k)?;
    let lines = expect::<P>("smp", &Outcome::Off(0))?;
    check(lines >= 10, || format!("the SMP guest printed {lines} lines"))
}

/// A VM of no vCPUs or of more than a GICv2 addresses is refused with a reason, and leaves no
/// domain behind.
fn bad_vcpu_counts_are_refused<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    let base = spec::<P>("odd", bare, scenario::COUNT, OnFault::Stop, &[]);
    for (spec, why) in [
        (VmSpec { vcpus: 0, ..base }, "0 vCPUs asked for"),
        (VmSpec { vcpus: 9, ..base }, "9 vCPUs asked for"),
    ] {
        match hypervisor::start::<P>(&k, &spec) {
            Ok(_) => return Err(format!("a VM of {} vCPUs ({why}) started", spec.vcpus)),
            Err(e) => check(e.contains(why), || format!("refused for '{e}', expected '{why}'"))?,
        }
    }
    check(k.domain(wells_core::domain::DomainId(1)).is_err(), || String::from("a refused VM left its domain"))
}

fn with_kernel<P: VmPlatform>(board: &P, test: impl FnOnce(&Kernel<P::Arch>) -> TestResult) -> TestResult {
    test(&board.new_kernel())
}

/// A VM of two vCPUs whose vCPU 1 asks for SYSTEM_RESET while vCPU 0 spins in its guest
/// (scenario `ResetFromSecond`): the whole VM restarts once, vCPU 0 alone at the entry with
/// restart count 1; it finds nothing of the first run left (its RAM mark, vCPU 1 on, the
/// distributor, the SGI vCPU 1 sent it), turns vCPU 1 on again, sees it run, and powers off
/// with 0. Returns the VM (for the caller to destroy, or not).
pub(super) fn two_vcpus_reset_from_vcpu_1<P: VmPlatform>(k: &Kernel<P::Arch>, bare: &'static [u8]) -> Result<hypervisor::StartedVm, String> {
    let vm = hypervisor::start::<P>(k, &VmSpec { vcpus: 2, ..spec::<P>("twin", bare, scenario::RESET_FROM_SECOND, OnFault::Stop, &[]) })?;
    run(k)?;
    let lines = expect::<P>("twin", &Outcome::Off(0))?;
    let restarts = P::vms().report("twin").map(|r| r.restarts);
    check(restarts == Some(1), || format!("restarts {restarts:?}, expected 1"))?;
    // Run 0: both vCPUs up, vCPU 1's reset; run 1: vCPU 0 up, its two checks, vCPU 1 up, the
    // end.
    check(lines == 8, || format!("lines {lines}, expected 8"))?;
    Ok(vm)
}

/// The same with a third vCPU, which waits in a receive on a port nothing is sent to when vCPU
/// 1 asks for the reset: its wait ends for the restart, and it is off in the next run.
fn three_vcpus_reset_while_one_waits_on_a_port<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(4, 1).map_err(|e| format!("port: {e}"))?;
    let ports = [port];
    hypervisor::start::<P>(&k, &VmSpec { vcpus: 3, ..spec::<P>("triplet", bare, scenario::RESET_FROM_SECOND, OnFault::Stop, &ports) })?;
    run(&k)?;
    k.port_destroy(port).map_err(|e| format!("port: {e}"))?;
    let lines = expect::<P>("triplet", &Outcome::Off(0))?;
    let restarts = P::vms().report("triplet").map(|r| r.restarts);
    check(restarts == Some(1), || format!("restarts {restarts:?}, expected 1"))?;
    // Run 0: three vCPUs up, vCPU 1's reset; run 1: vCPU 0 up, its three checks, vCPU 1 up, the
    // end.
    check(lines == 10, || format!("lines {lines}, expected 10"))
}

/// A VM of two vCPUs, restarted after at most 2 faults, whose vCPU 1 writes outside its RAM
/// in every run while vCPU 0 spins in its guest: restarted twice as a whole, then stopped.
pub(super) fn two_vcpus_fault_restarts_are_bounded<P: VmPlatform>(k: &Kernel<P::Arch>, bare: &'static [u8]) -> Result<hypervisor::StartedVm, String> {
    let relapse = VmSpec { vcpus: 2, ..spec::<P>("relapse2", bare, scenario::FAULT_ON_SECOND, OnFault::Restart { at_most: 2 }, &[]) };
    let vm = hypervisor::start::<P>(k, &relapse)?;
    run(k)?;
    expect_stopped::<P>("relapse2", "stage-2 data abort at IPA 0x50000000")?;
    let report = P::vms().report("relapse2").ok_or("no report")?;
    check(report.restarts == 2, || format!("restarts {}, expected 2", report.restarts))?;
    // Each run: vCPU 0 up, vCPU 1 up (then its fault).
    check(report.lines == 6, || format!("lines {}, expected 6 (two per run)", report.lines))?;
    Ok(vm)
}

pub(super) fn spec<'a, P: VmPlatform>(name: &'a str, bare: &'static [u8], scenario: u64, on_fault: OnFault, ports: &'a [Handle]) -> VmSpec<'a> {
    VmSpec { arg: scenario, on_fault, ports, ..VmSpec::new(name, bare, P::RAM_IPA, GUEST_RAM) }
}

pub(super) fn run<A: wells_core::Arch>(k: &Kernel<A>) -> TestResult {
    k.run().map_err(|e| format!("run: {e}"))
}

/// VM `name` ended with `want`; returns how many console lines it printed.
pub(super) fn expect<P: VmPlatform>(name: &str, want: &Outcome) -> Result<usize, String> {
    let report = P::vms().report(name).ok_or_else(|| format!("no VM '{name}'"))?;
    check(report.outcome == *want, || format!("vm '{name}': {:?}, expected {want:?}", report.outcome))?;
    Ok(report.lines)
}

/// VM `name` was stopped, with a reason containing `why`.
pub(super) fn expect_stopped<P: VmPlatform>(name: &str, why: &str) -> TestResult {
    let report = P::vms().report(name).ok_or_else(|| format!("no VM '{name}'"))?;
    match report.outcome {
        Outcome::Stopped(reason) if reason.contains(why) => Ok(()),
        other => Err(format!("vm '{name}': {other:?}, expected stopped for '{why}'")),
    }
}

/// Two unmodified supervisor images, each with its user tasks: their threads sleep and wake on
/// the guest's virtual timer (through the emulated distributor and a list register), so the
/// pipeline only completes if virtual interrupts reach the guests.
fn supervisors_run_their_demo<P: VmPlatform>(board: &P, supervisor: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    for name in ["left", "right"] {
        hypervisor::start::<P>(&k, &VmSpec::new(name, supervisor, P::RAM_IPA, SUPERVISOR_RAM))?;
    }
    run(&k)?;
    let left = expect::<P>("left", &Outcome::Off(0))?;
    let right = expect::<P>("right", &Outcome::Off(0))?;
    check(left >= 10 && right >= 10, || format!("lines: left {left}, right {right}"))?;
    let transcript = P::vms().transcript();
    let turns = transcript.windows(2).filter(|pair| pair[0] != pair[1]).count();
    check(turns >= 3, || format!("the guests' lines changed hands {turns} times, expected at least 3"))
}

fn two_guests_share_the_cpu<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("alpha", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    hypervisor::start::<P>(&k, &spec::<P>("beta", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    run(&k)?;
    let alpha = expect::<P>("alpha", &Outcome::Off(0))?;
    let beta = expect::<P>("beta", &Outcome::Off(0))?;
    check(alpha == 10 && beta == 10, || format!("lines: alpha {alpha}, beta {beta}, expected 10 each"))?;
    // Neither guest yields: their lines interleave only if the hypervisor preempts them.
    let transcript = P::vms().transcript();
    let turns = transcript.windows(2).filter(|pair| pair[0] != pair[1]).count();
    check(turns >= 3, || format!("the guests' lines changed hands {turns} times, expected at least 3: {transcript:?}"))
}

fn spinning_guest_is_preempted<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    let spinner = hypervisor::start::<P>(&k, &spec::<P>("spinner", bare, scenario::SPIN, OnFault::Stop, &[]))?;
    let counter = hypervisor::start::<P>(&k, &spec::<P>("counter", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    // A watchdog above both: once the counter is done (or after 2 s), it shuts the spinner down.
    spawn::<P>("watchdog", 20, move || {
        let k = P::kernel();
        for _ in 0..200 {
            if k.domain_live_threads(counter.domain) == 0 {
                break;
            }
            let _ = k.sleep_ns(10 * MS);
        }
        let _ = hypervisor::shut_down::<P>(k, spinner.domain, "the test is over");
        let _ = hypervisor::shut_down::<P>(k, counter.domain, "the test is over");
        0
    });
    run(&k)?;
    // The counter can only finish while the spinner, which never exits, is preempted.
    let lines = expect::<P>("counter", &Outcome::Off(0))?;
    check(lines == 10, || format!("counter printed {lines} lines, expected 10"))?;
    expect_stopped::<P>("spinner", "the test is over")
}

/// A guest whose timer interrupt handler only moves the compare value on (never touching the
/// control register): the virtual timer must keep interrupting it, ten times.
fn timer_rearmed_by_compare<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("ticker", bare, scenario::TIMER_BY_COMPARE, OnFault::Stop, &[]))?;
    run(&k)?;
    expect::<P>("ticker", &Outcome::Off(0)).map(|_| ())
}

/// A guest that spins without an exit, above another VM, with a budget of 2 ms per 10 ms: the
/// other VM still finishes, and the spinner's vCPU ran about a fifth of the time.
fn time_budget_bounds_a_spinning_guest<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    let budget = CpuBudget { budget_ns: 2 * MS, period_ns: 10 * MS };
    let hog = VmSpec { arg: scenario::SPIN, priority: 9, budget: Some(budget), ..VmSpec::new("hog", bare, P::RAM_IPA, GUEST_RAM) };
    let hog = hypervisor::start::<P>(&k, &hog)?;
    let counter = hypervisor::start::<P>(&k, &spec::<P>("counter", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    let started = k.now_ns();
    let finished = Arc::new(AtomicU64::new(0));
    let at = finished.clone();
    spawn::<P>("watchdog", 20, move || {
        let k = P::kernel();
        for _ in 0..300 {
            if k.domain_live_threads(counter.domain) == 0 {
                break;
            }
            let _ = k.sleep_ns(10 * MS);
        }
        at.store(k.now_ns(), Ordering::SeqCst);
        let _ = hypervisor::shut_down::<P>(k, hog.domain, "the test is over");
        let _ = hypervisor::shut_down::<P>(k, counter.domain, "the test is over");
        0
    });
    run(&k)?;
    // Above the counter and never exiting, the hog would keep the CPU but for its budget.
    let lines = expect::<P>("counter", &Outcome::Off(0))?;
    check(lines == 10, || format!("counter printed {lines} lines, expected 10"))?;
    let elapsed = finished.load(Ordering::SeqCst).saturating_sub(started);
    let ran = k.thread_stats(hog.vcpu).map_err(|e| format!("stats: {e}"))?.run_time_ns;
    // Each period that began may give the hog its whole budget and no more; spinning above
    // the counter, it takes the budget of every period that ended.
    let periods_begun = elapsed.div_ceil(budget.period_ns);
    let most = periods_begun * budget.budget_ns + MS / 10;
    let least = (periods_begun - 1) * budget.budget_ns;
    check((least..=most).contains(&ran), || format!("the hog ran {ran} ns in {elapsed} ns, expected {least}..={most} at 2 ms per 10 ms"))
}

fn stage2_fault_stops_only_that_vm<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("steady", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    hypervisor::start::<P>(&k, &spec::<P>("wild", bare, scenario::WILD_WRITE, OnFault::Stop, &[]))?;
    run(&k)?;
    expect_stopped::<P>("wild", "stage-2 data abort at IPA 0x50000000")?;
    let lines = expect::<P>("steady", &Outcome::Off(0))?;
    check(lines == 10, || format!("steady printed {lines} lines, expected 10"))
}

fn system_reset_restarts_the_vm<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("phoenix", bare, scenario::RESET_ONCE, OnFault::Stop, &[]))?;
    run(&k)?;
    expect::<P>("phoenix", &Outcome::Off(0))?;
    let restarts = P::vms().report("phoenix").map(|r| r.restarts);
    check(restarts == Some(1), || format!("restarts {restarts:?}, expected 1"))
}

fn message_round_trip<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    let to_pong = k.port_create(4, 1).map_err(|e| format!("port: {e}"))?;
    let to_ping = k.port_create(4, 1).map_err(|e| format!("port: {e}"))?;
    hypervisor::start::<P>(&k, &spec::<P>("ping", bare, scenario::PING, OnFault::Stop, &[to_pong, to_ping]))?;
    hypervisor::start::<P>(&k, &spec::<P>("pong", bare, scenario::PONG, OnFault::Stop, &[to_pong, to_ping]))?;
    run(&k)?;
    expect::<P>("ping", &Outcome::Off(0))?;
    expect::<P>("pong", &Outcome::Off(0))?;
    let (_, _) = (k.port_destroy(to_pong), k.port_destroy(to_ping));
    Ok(())
}

/// With two vCPUs, the second never turned on: the guest checks PSCI's answers about it (and
/// its thread, waiting to be turned on, ends with the VM).
fn hypercalls_check_buffers<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &VmSpec { vcpus: 2, ..spec::<P>("caller", bare, scenario::HYPERCALLS, OnFault::Stop, &[]) })?;
    run(&k)?;
    expect::<P>("caller", &Outcome::Off(0)).map(|_| ())
}

/// Port send and receive refuse buffers outside the VM's RAM, straddling its end, too long, or
/// wrapping around, and leave the port as it was (the guest checks; one port of 8-byte
/// messages, its own).
fn port_calls_check_buffers<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    let port = k.port_create(8, 2).map_err(|e| format!("port: {e}"))?;
    hypervisor::start::<P>(&k, &spec::<P>("porter", bare, scenario::PORT_BUFFERS, OnFault::Stop, &[port]))?;
    run(&k)?;
    expect::<P>("porter", &Outcome::Off(0))?;
    let left = k.port_count(port).map_err(|e| format!("port: {e}"))?;
    k.port_destroy(port).map_err(|e| format!("port: {e}"))?;
    check(left == 0, || format!("{left} messages left in the port"))
}

fn bad_calls_are_contained<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("steady", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    hypervisor::start::<P>(&k, &spec::<P>("caller", bare, scenario::BAD_HYPERCALL, OnFault::Stop, &[]))?;
    hypervisor::start::<P>(&k, &spec::<P>("prober", bare, scenario::FOREIGN_DEVICE, OnFault::Stop, &[]))?;
    let mute = VmSpec { devices: Devices { uart: false, ..Devices::ALL }, ..spec::<P>("mute", bare, scenario::COUNT, OnFault::Stop, &[]) };
    hypervisor::start::<P>(&k, &mute)?;
    hypervisor::start::<P>(&k, &spec::<P>("debugger", bare, scenario::TOUCH_DEBUG, OnFault::Stop, &[]))?;
    hypervisor::start::<P>(&k, &spec::<P>("profiler", bare, scenario::TOUCH_PMU, OnFault::Stop, &[]))?;
    run(&k)?;
    expect_stopped::<P>("mute", "stage-2 data abort at IPA 0x9000018")?;
    expect_stopped::<P>("debugger", "access trapped")?;
    expect_stopped::<P>("profiler", "access trapped")?;
    expect_stopped::<P>("caller", "undefined hypercall 0xc60000ff")?;
    expect_stopped::<P>("prober", "stage-2 data abort at IPA 0xa000000")?;
    expect::<P>("steady", &Outcome::Off(0)).map(|_| ())
}

fn fault_restarts_are_bounded<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    let k = board.new_kernel();
    hypervisor::start::<P>(&k, &spec::<P>("relapse", bare, scenario::WILD_WRITE, OnFault::Restart { at_most: 2 }, &[]))?;
    run(&k)?;
    expect_stopped::<P>("relapse", "stage-2 data abort")?;
    let report = P::vms().report("relapse").ok_or("no report")?;
    check(report.restarts == 2, || format!("restarts {}, expected 2", report.restarts))?;
    // Each run printed its first line before faulting: three runs.
    check(report.lines == 3, || format!("lines {}, expected 3 (one per run)", report.lines))
}

/// More VMs, one after the other, than there are VMIDs, and more RAM than the heap has: each
/// ends (stopped by its undefined hypercall) and is destroyed before the next starts.
fn destroyed_vms_give_everything_back<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    const ROUNDS: usize = 260;
    let k = board.new_kernel();
    let ram = board.heap_stats().free;
    for round in 0..ROUNDS {
        let vm = VmSpec { arg: scenario::BAD_HYPERCALL, ..VmSpec::new("brief", bare, P::RAM_IPA, GUEST_RAM) };
        let vm = hypervisor::start::<P>(&k, &vm).map_err(|e| format!("round {round}: {e}"))?;
        check(hypervisor::destroy::<P>(&k, vm.domain) == Err(wells_core::Error::BadState), || format!("round {round}: a running VM was destroyed"))?;
        run(&k)?;
        expect_stopped::<P>("brief", "undefined hypercall")?;
        hypervisor::destroy::<P>(&k, vm.domain).map_err(|e| format!("round {round}: destroy: {e}"))?;
    }
    check(P::vms().report("brief").is_none(), || String::from("a destroyed VM is still listed"))?;
    check(ROUNDS * GUEST_RAM > ram, || format!("{ROUNDS} VMs of {} MiB fit the heap anyway: the test proves nothing", GUEST_RAM >> 20))
}

/// A VM that cannot start (the object table is full: no vCPU thread for it) leaves nothing
/// behind (#23): no record, no domain, no object, no allocation; with room again, the next VM
/// starts in the domain slot the refused one gave back, and runs.
fn failed_start_leaves_nothing<P: VmPlatform>(board: &P, bare: &'static [u8]) -> TestResult {
    use wells_core::domain::DomainId;
    use wells_core::kernel::StaticBounds;
    let k = board.new_kernel();
    k.reserve(StaticBounds { objects: 4, threads: 4, held_mutexes: 1 }).map_err(|e| format!("reserve: {e}"))?;
    // A VM started and destroyed first: the VMID pool's list then has its room.
    let warm = hypervisor::start::<P>(&k, &spec::<P>("warm", bare, scenario::BAD_HYPERCALL, OnFault::Stop, &[]))?;
    run(&k)?;
    hypervisor::destroy::<P>(&k, warm.domain).map_err(|e| format!("destroy: {e}"))?;
    let mut mutexes = Vec::new();
    for _ in 0..4 {
        mutexes.push(k.mutex_create().map_err(|e| format!("mutex: {e}"))?);
    }
    let (objects, allocations) = (k.object_count(), board.heap_stats().allocations);
    // Only whether it failed: the message is an allocation of its own.
    let refused = hypervisor::start::<P>(&k, &spec::<P>("refused", bare, scenario::COUNT, OnFault::Stop, &[])).is_err();
    check(refused, || String::from("a VM started with the object table full"))?;
    check(P::vms().report("refused").is_none(), || String::from("the refused VM is still listed"))?;
    check(k.domain(DomainId(1)).is_err(), || String::from("the refused VM's domain is still there"))?;
    check(k.object_count() == objects, || format!("{} kernel objects after the refusal, {objects} before", k.object_count()))?;
    let now = board.heap_stats().allocations;
    check(now == allocations, || format!("{now} live allocations after the refusal, {allocations} before"))?;
    k.mutex_destroy(mutexes[0]).map_err(|e| format!("mutex_destroy: {e}"))?;
    let alpha = hypervisor::start::<P>(&k, &spec::<P>("alpha", bare, scenario::COUNT, OnFault::Stop, &[]))?;
    check(alpha.domain == DomainId(1), || format!("the VM got domain {}, not the slot given back (1)", alpha.domain.0))?;
    run(&k)?;
    expect::<P>("alpha", &Outcome::Off(0)).map(drop)
}
