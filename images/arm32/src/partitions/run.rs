//! What each binary of the R52 hypervisor image runs: the test scenarios (`test`), the system
//! description's partitions (`demo`).

use super::board::{Board, Out};
use super::executive::{self, Report, State};
use super::{guests, system};
use super::spec::{OnFault, PartitionSpec};
use alloc::string::String;
use core::fmt::Write;

/// The bare guest's scenarios (its first argument), as `images/bare-guest/src/main.rs` numbers them.
mod scenario {
    pub const COUNT: u32 = 0;
    pub const WILD_WRITE: u32 = 1;
    pub const RESET_ONCE: u32 = 2;
    pub const BAD_HYPERCALL: u32 = 5;
    pub const FOREIGN_DEVICE: u32 = 6;
    pub const SPIN: u32 = 8;
    pub const FUZZ: u32 = 17;
    pub const FUZZ_UNDEFINED: u32 = 19;
    pub const WRITE_NEXT_PARTITION: u32 = 20;
}

/// A bare guest partition with 1 MiB of RAM and a 2 ms window.
fn bare(name: &'static str, arg: u32) -> PartitionSpec {
    PartitionSpec { name, image: guests::BARE, ram_size: 0x10_0000, arg, window_us: 2_000, on_fault: OnFault::Stop, uart: true, gic: true }
}

/// A scenario: its name and the check of its outcome.
type Scenario = (&'static str, fn() -> Result<(), String>);

const SCENARIOS: &[Scenario] = &[
    ("partition_fault_is_contained", partition_fault_is_contained),
    ("undefined_hypercall_and_foreign_device_are_contained", undefined_hypercall_and_foreign_device_are_contained),
    ("partition_restarts_are_bounded", partition_restarts_are_bounded),
    ("partition_reset_comes_back", partition_reset_comes_back),
    ("partitions_cannot_reach_each_other", partitions_cannot_reach_each_other),
    ("spinning_partition_keeps_only_its_window", spinning_partition_keeps_only_its_window),
    ("supervisor_partition_runs_its_tasks", supervisor_partition_runs_its_tasks),
    ("partition_without_uart_is_stopped_at_its_first_line", partition_without_uart_is_stopped_at_its_first_line),
    ("hypercall_fuzz_is_answered_or_refused", hypercall_fuzz_is_answered_or_refused),
    ("random_hypercalls_stop_after_bounded_restarts", random_hypercalls_stop_after_bounded_restarts),
];

/// Runs every scenario; exit status 0 when all pass.
pub fn test(_board: &Board) -> i32 {
    let mut failed = 0;
    for (name, scenario) in SCENARIOS {
        match scenario() {
            Ok(()) => {
                let _ = writeln!(Out, "ok - {name}");
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(Out, "FAILED - {name}: {e}");
            }
        }
    }
    let _ = writeln!(Out, "{} passed, {failed} failed", SCENARIOS.len() - failed);
    i32::from(failed != 0)
}

/// The demo: the system description's partitions, until all have ended (or 10 000 frames).
pub fn demo(_board: &Board) -> i32 {
    let _ = writeln!(Out, "wells: system {}: {} partitions in a {} us major frame", system::NAME, system::PARTITIONS.len(), system::MAJOR_FRAME_US);
    match executive::run(system::PARTITIONS, system::MAJOR_FRAME_US, 10_000) {
        Ok(report) => {
            let late = report.lateness;
            let _ = writeln!(
                Out,
                "wells: {} frames, {} window starts, late by {}..{} ns of guest time (jitter {} ns; instructions under -icount)",
                report.frames,
                late.windows,
                late.min_ns,
                late.max_ns,
                late.jitter_ns()
            );
            i32::from(!report.partitions.iter().all(|p| p.state == State::Ended(0)))
        }
        Err(e) => {
            let _ = writeln!(Out, "wells: {e}");
            1
        }
    }
}

/// The soak image runs the tests.
pub fn soak(board: &Board) -> i32 {
    test(board)
}

fn run(specs: &[PartitionSpec], major_frame_us: u64, frame_limit: u32) -> Result<Report, String> {
    let report = executive::run(specs, major_frame_us, frame_limit)?;
    let _ = writeln!(Out, "wells: {} frames; {:?}", report.frames, report.partitions);
    Ok(report)
}

/// The outcome of partition `name`.
fn state<'a>(report: &'a Report, name: &str) -> Result<&'a State, String> {
    report.partitions.iter().find(|p| p.name == name).map(|p| &p.state).ok_or_else(|| alloc::format!("no partition '{name}'"))
}

fn expect(condition: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(what())
    }
}

/// A partition writing outside its RAM is stopped there; the other counts to the end.
fn partition_fault_is_contained() -> Result<(), String> {
    let report = run(&[bare("counter", scenario::COUNT), bare("wild", scenario::WILD_WRITE)], 4_000, 100)?;
    let wild = state(&report, "wild")?;
    expect(matches!(wild, State::Stopped(why) if why.contains("data abort at 0x50000000")), || alloc::format!("wild: {wild:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// An undefined hypercall and a read of a device no partition is given (the dual timer) stop
/// only their partitions.
fn undefined_hypercall_and_foreign_device_are_contained() -> Result<(), String> {
    let specs = [bare("caller", scenario::BAD_HYPERCALL), bare("prober", scenario::FOREIGN_DEVICE), bare("counter", scenario::COUNT)];
    let report = run(&specs, 6_000, 100)?;
    let caller = state(&report, "caller")?;
    expect(matches!(caller, State::Stopped(why) if why.contains("undefined hypercall 0xc60000ff")), || alloc::format!("caller: {caller:?}"))?;
    let prober = state(&report, "prober")?;
    expect(matches!(prober, State::Stopped(why) if why.contains("data abort at 0xe0101000")), || alloc::format!("prober: {prober:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// A partition allowed two restarts faults three times: restarted twice, then stopped.
fn partition_restarts_are_bounded() -> Result<(), String> {
    let wild = PartitionSpec { on_fault: OnFault::Restart { at_most: 2 }, ..bare("wild", scenario::WILD_WRITE) };
    let report = run(&[wild, bare("counter", scenario::COUNT)], 4_000, 100)?;
    let outcome = &report.partitions[0];
    expect(matches!(outcome.state, State::Stopped(_)) && outcome.restarts == 2, || alloc::format!("wild: {outcome:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// SYSTEM_RESET starts the partition again; it sees its restart count and powers off with 0.
fn partition_reset_comes_back() -> Result<(), String> {
    let report = run(&[bare("resetter", scenario::RESET_ONCE)], 2_000, 100)?;
    let outcome = &report.partitions[0];
    expect(outcome.state == State::Ended(0) && outcome.restarts == 1, || alloc::format!("resetter: {outcome:?}"))
}

/// A partition writing into the next partition's RAM (its first byte past its own) is stopped
/// there: only the running partition's EL2 MPU region is enabled.
fn partitions_cannot_reach_each_other() -> Result<(), String> {
    let report = run(&[bare("prober", scenario::WRITE_NEXT_PARTITION), bare("counter", scenario::COUNT)], 4_000, 100)?;
    let prober = state(&report, "prober")?;
    expect(matches!(prober, State::Stopped(why) if why.contains("data abort at 0x29100000")), || alloc::format!("prober: {prober:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// Largest jitter of window starts allowed, in instructions (`-icount shift=0`: nanoseconds).
/// The counter moves once per 16 instructions, so figures come in steps of 16.
const JITTER_BOUND: u64 = 200;

/// A partition spinning through its whole window without a single exit is preempted at the
/// window's end: the counter beside it gets every one of its windows, on time, and finishes; the
/// spinner gets exactly one window per frame.
fn spinning_partition_keeps_only_its_window() -> Result<(), String> {
    let mut spinner = bare("spinner", scenario::SPIN);
    spinner.window_us = 1_000;
    let mut counter = bare("counter", scenario::COUNT);
    counter.window_us = 1_000;
    let frames = 40;
    let report = run(&[spinner, counter], 2_500, frames)?;
    let late = report.lateness;
    let _ = writeln!(
        Out,
        "wells: {} window starts, late by {}..{} instructions: jitter {} instructions (bound {JITTER_BOUND})",
        late.windows,
        late.min_ns,
        late.max_ns,
        late.jitter_ns()
    );
    let counter = &report.partitions[1];
    expect(counter.state == State::Ended(0), || alloc::format!("counter: {counter:?}"))?;
    let spinner = &report.partitions[0];
    expect(spinner.state == State::Ready && spinner.windows == frames, || alloc::format!("spinner over {frames} frames: {spinner:?}"))?;
    expect(report.frames == frames, || alloc::format!("{} frames, not {frames}", report.frames))?;
    expect(late.jitter_ns() <= JITTER_BOUND, || alloc::format!("window starts jitter by {} instructions", late.jitter_ns()))
}

/// The R52 supervisor image — the very binary that runs natively — as a partition beside a bare
/// guest: its sensor, filter and logger tasks run at EL0 under its own EL1 MPU, its kernel sleeps
/// on its virtual timer (injected through the GICv3 virtual CPU interface, its distributor and
/// redistributor emulated), and it ends through PSCI with status 0; the counter finishes too.
fn supervisor_partition_runs_its_tasks() -> Result<(), String> {
    // 64 MiB from the board's image address: its image, heap and task slots.
    let supervisor = PartitionSpec { ram_size: 0x0400_0000, ..bare("super", 0) };
    let supervisor = PartitionSpec { image: guests::SUPERVISOR, ..supervisor };
    let report = run(&[supervisor, bare("counter", scenario::COUNT)], 5_000, 5_000)?;
    let outcome = &report.partitions[0];
    expect(outcome.state == State::Ended(0), || alloc::format!("super: {outcome:?}"))?;
    // Its kernel sleeps some 300 times on its timer (304 seen): each wake-up an interrupt it took and
    // ended (an interrupt it never ended would be listed once and never again).
    expect(outcome.virtual_interrupts >= 200, || alloc::format!("super took {} virtual timer interrupts", outcome.virtual_interrupts))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// The bare guest's hypercall fuzzer (`images/bare-guest/src/fuzz.rs`: 100 000 random defined
/// calls with hostile buffers, the hypervisor allowed to write only a canaried scratch buffer)
/// beside a counter: it powers off with 0 violations and the counter finishes.
fn hypercall_fuzz_is_answered_or_refused() -> Result<(), String> {
    let report = run(&[bare("fuzzer", scenario::FUZZ), bare("counter", scenario::COUNT)], 4_000, 10_000)?;
    let fuzzer = state(&report, "fuzzer")?;
    expect(*fuzzer == State::Ended(0), || alloc::format!("fuzzer: {fuzzer:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// Random calls with random function IDs among them: each undefined one is a fault; restarted
/// 20 times (each run seeded by its restart count), the partition is then stopped, while the
/// counter beside it finishes.
fn random_hypercalls_stop_after_bounded_restarts() -> Result<(), String> {
    let fuzzer = PartitionSpec { on_fault: OnFault::Restart { at_most: 20 }, ..bare("random", scenario::FUZZ_UNDEFINED) };
    let report = run(&[fuzzer, bare("counter", scenario::COUNT)], 4_000, 10_000)?;
    let outcome = &report.partitions[0];
    let stopped = matches!(&outcome.state, State::Stopped(why) if why.starts_with("undefined hypercall"));
    expect(stopped && outcome.restarts == 20, || alloc::format!("random: {outcome:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}

/// A partition not given the UART is stopped at its first access to it, like at any address it
/// was not given; the counter beside it finishes.
fn partition_without_uart_is_stopped_at_its_first_line() -> Result<(), String> {
    let mute = PartitionSpec { uart: false, ..bare("mute", scenario::COUNT) };
    let report = run(&[mute, bare("counter", scenario::COUNT)], 4_000, 100)?;
    let mute = state(&report, "mute")?;
    expect(matches!(mute, State::Stopped(why) if why.contains("data abort at 0xe7c00004")), || alloc::format!("mute: {mute:?}"))?;
    let counter = state(&report, "counter")?;
    expect(*counter == State::Ended(0), || alloc::format!("counter: {counter:?}"))
}
