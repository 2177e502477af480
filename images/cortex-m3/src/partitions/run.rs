//! What each binary of the partitions image runs: the test scenarios (`test`), the system
//! description's partitions (`demo`), the measurements (`bench`).

use super::executive::{self, Report, State};
use super::spec::{OnFault, PartitionSpec};
use super::{programs, system};
use crate::println;
use alloc::format;
use alloc::string::String;
use wells_core::arch::armv7m::partition::PartitionEntry;

/// The bound the tests hold window-start jitter to (issue 16's aim), in instructions.
pub const JITTER_BOUND_NS: u64 = 200;

/// A partition with 16 KiB of RAM and a 2 ms window.
fn partition(name: &'static str, image: PartitionEntry, arg: u32) -> PartitionSpec {
    PartitionSpec { name, image, ram_size: 16 * 1024, arg, window_us: 2_000, on_fault: OnFault::Stop, uart: true, gic: true }
}

fn outcome<'a>(report: &'a Report, name: &str) -> &'a super::executive::Outcome {
    report.partitions.iter().find(|p| p.name == name).expect("a partition of the run")
}

fn ended_with(report: &Report, name: &str, status: i32) -> Result<(), String> {
    let p = outcome(report, name);
    if p.state != State::Ended(status) {
        return Err(format!("'{name}' is {:?}, not ended with {status}", p.state));
    }
    Ok(())
}

fn stopped_by(report: &Report, name: &str, why: &str) -> Result<(), String> {
    match &outcome(report, name).state {
        State::Stopped(reason) if reason.contains(why) => Ok(()),
        other => Err(format!("'{name}' is {other:?}, not stopped by {why}")),
    }
}

/// A scenario: its name and the check of its outcome.
type Scenario = (&'static str, fn() -> Result<(), String>);

const SCENARIOS: &[Scenario] = &[
    ("partitions_print_interleaved", partitions_print_interleaved),
    ("wells_partition_faults_and_comes_back", wells_partition_faults_and_comes_back),
    ("wells_partition_too_small_ends_with_2", wells_partition_too_small_ends_with_2),
    ("wild_partition_is_restarted_then_stopped", wild_partition_is_restarted_then_stopped),
    ("partitions_cannot_reach_each_other", partitions_cannot_reach_each_other),
    ("spinning_partition_keeps_only_its_window", spinning_partition_keeps_only_its_window),
    ("bad_calls_and_buffers_are_refused_or_stopped", bad_calls_and_buffers_are_refused_or_stopped),
    ("bad_descriptions_are_refused", bad_descriptions_are_refused),
];

/// Runs every scenario; exit status 0 when all pass.
pub fn test() -> i32 {
    let mut failed = 0;
    for (name, scenario) in SCENARIOS {
        match scenario() {
            Ok(()) => println!("ok - {name}"),
            Err(e) => {
                failed += 1;
                println!("FAILED - {name}: {e}");
            }
        }
    }
    println!("{} passed, {failed} failed", SCENARIOS.len() - failed);
    i32::from(failed != 0)
}

/// Two wells kernels side by side, one per partition: both end with 0, their lines interleave.
fn partitions_print_interleaved() -> Result<(), String> {
    let report = executive::run(&[partition("alpha", programs::WELLS_DEMO, 6), partition("beta", programs::WELLS_DEMO, 6)], 5_000, 0)?;
    ended_with(&report, "alpha", 0)?;
    ended_with(&report, "beta", 0)?;
    for p in &report.partitions {
        // 6 producer and 6 consumer lines and the closing one.
        if p.lines != 13 || p.virtual_interrupts == 0 {
            return Err(format!("'{}' printed {} lines with {} virtual interrupts", p.name, p.lines, p.virtual_interrupts));
        }
    }
    if report.line_owner_changes < 4 {
        return Err(format!("the partitions' lines changed hands only {} times", report.line_owner_changes));
    }
    println!("interleaved: the console changed partition {} times", report.line_owner_changes);
    Ok(())
}

/// A wells kernel partition whose thread writes the hosting kernel's RAM is restarted, its
/// kernel made anew in its zeroed RAM, and runs to its end; the wells kernel beside it keeps
/// its windows: it runs and prints exactly as in a run where nothing faults.
fn wells_partition_faults_and_comes_back() -> Result<(), String> {
    let alpha = |arg| PartitionSpec { on_fault: OnFault::Restart { at_most: 1 }, ..partition("alpha", programs::WELLS_DEMO, arg) };
    let quiet = executive::run(&[alpha(4), partition("beta", programs::WELLS_DEMO, 4)], 5_000, 0)?;
    let report = executive::run(&[alpha(4 | programs::FAULT_ONCE), partition("beta", programs::WELLS_DEMO, 4)], 5_000, 0)?;
    ended_with(&report, "alpha", 0)?;
    ended_with(&report, "beta", 0)?;
    let (faulted, undisturbed) = (outcome(&report, "alpha"), outcome(&quiet, "alpha"));
    // The second start prints all its lines again, after those of the first start.
    if faulted.restarts != 1 || faulted.lines <= undisturbed.lines {
        return Err(format!("'alpha' restarted {} times and printed {} lines (without the fault {})", faulted.restarts, faulted.lines, undisturbed.lines));
    }
    let (beta, beta_quiet) = (outcome(&report, "beta"), outcome(&quiet, "beta"));
    if (beta.windows, beta.lines, beta.virtual_interrupts) != (beta_quiet.windows, beta_quiet.lines, beta_quiet.virtual_interrupts) {
        return Err(format!(
            "'beta' had {} windows, {} lines, {} virtual interrupts beside the fault, {}, {}, {} without",
            beta.windows, beta.lines, beta.virtual_interrupts, beta_quiet.windows, beta_quiet.lines, beta_quiet.virtual_interrupts
        ));
    }
    println!("beside the restart, 'beta' kept its {} windows, {} lines and {} virtual interrupts", beta.windows, beta.lines, beta.virtual_interrupts);
    Ok(())
}

/// A wells kernel given 8 KiB (its heap, entry stack and bookkeeping need more) does not
/// start: it says so and ends with 2, before any allocation.
fn wells_partition_too_small_ends_with_2() -> Result<(), String> {
    let small = PartitionSpec { ram_size: 8 * 1024, ..partition("small", programs::WELLS_DEMO, 3) };
    let report = executive::run(&[small], 5_000, 0)?;
    ended_with(&report, "small", 2)
}

/// A partition writing into kernel RAM is restarted twice from its image, then stopped; the
/// demo beside it finishes.
fn wild_partition_is_restarted_then_stopped() -> Result<(), String> {
    let wild = PartitionSpec { on_fault: OnFault::Restart { at_most: 2 }, ..partition("wild", programs::WILD, facts_ram_base()) };
    let report = executive::run(&[wild, partition("demo", programs::WELLS_DEMO, 4)], 5_000, 0)?;
    stopped_by(&report, "wild", "MemManage fault")?;
    let restarts = outcome(&report, "wild").restarts;
    if restarts != 2 {
        return Err(format!("'wild' restarted {restarts} times, not 2"));
    }
    ended_with(&report, "demo", 0)
}

/// The kernel's RAM (its .data), where no partition may write.
fn facts_ram_base() -> u32 {
    crate::facts::RAM_BASE as u32
}

/// A partition writing the first word of the next partition's RAM is stopped there; the other
/// finishes untouched.
fn partitions_cannot_reach_each_other() -> Result<(), String> {
    let target = executive::slot_base(1) as u32;
    let report = executive::run(&[partition("prober", programs::WILD, target), partition("victim", programs::WELLS_DEMO, 3)], 5_000, 0)?;
    stopped_by(&report, "prober", &format!("MMFAR=0x{target:08x}"))?;
    ended_with(&report, "victim", 0)
}

/// A partition spinning without a single call is cut at each window's end: it gets exactly one
/// window a frame, the demo beside it finishes, and window starts stay within the jitter bound.
fn spinning_partition_keeps_only_its_window() -> Result<(), String> {
    const FRAMES: u32 = 12;
    let report = executive::run(&[partition("spinner", programs::SPIN, 0), partition("demo", programs::WELLS_DEMO, 8)], 5_000, FRAMES)?;
    ended_with(&report, "demo", 0)?;
    let spinner = outcome(&report, "spinner");
    if spinner.state != State::Ready || spinner.windows != FRAMES {
        return Err(format!("the spinner is {:?} after {} windows of {FRAMES} frames", spinner.state, spinner.windows));
    }
    // Under -icount the clock is the instruction count: the executive is never a window behind.
    if report.windows_missed != 0 {
        return Err(format!("{} windows missed", report.windows_missed));
    }
    let l = report.lateness;
    println!(
        "window starts, late by {}..{} instructions over {} windows: jitter {} (bound {JITTER_BOUND_NS}); switch at most {} instructions",
        l.min_ns,
        l.max_ns,
        l.windows,
        l.jitter_ns(),
        report.switch_max_ns
    );
    if l.jitter_ns() > JITTER_BOUND_NS {
        return Err(format!("jitter {} > {JITTER_BOUND_NS}", l.jitter_ns()));
    }
    Ok(())
}

/// Bad buffers, handler addresses and periods are refused (the partition prints the answers,
/// which the boot's expected lines check); VIRQ_RETURN outside a handler, an undefined call
/// number and an undefined instruction stop their partitions; the demo beside them finishes.
fn bad_calls_and_buffers_are_refused_or_stopped() -> Result<(), String> {
    let specs = [
        partition("buffers", programs::BAD_ARGUMENTS, facts_ram_base()),
        partition("caller", programs::BAD_CALL, 0),
        partition("undefined", programs::UNDEFINED, 0),
        PartitionSpec { window_us: 1_000, ..partition("demo", programs::WELLS_DEMO, 3) },
    ];
    let report = executive::run(&specs, 8_000, 0)?;
    stopped_by(&report, "buffers", "VIRQ_RETURN outside a virtual interrupt handler")?;
    stopped_by(&report, "caller", "bad call number 99")?;
    stopped_by(&report, "undefined", "UsageFault")?;
    ended_with(&report, "demo", 0)
}

/// Descriptions that cannot be laid out are refused before anything runs.
fn bad_descriptions_are_refused() -> Result<(), String> {
    let odd = PartitionSpec { ram_size: 12 * 1024, ..partition("odd", programs::SPIN, 0) };
    let long = PartitionSpec { window_us: 6_000, ..partition("long", programs::SPIN, 0) };
    let empty = PartitionSpec { window_us: 0, ..partition("empty", programs::SPIN, 0) };
    let five = [partition("p", programs::SPIN, 0); 5];
    for (what, specs) in [("RAM of 12 KiB", &[odd][..]), ("windows over the frame", &[long][..]), ("a window of 0 us", &[empty][..]), ("five partitions", &five[..])] {
        match executive::run(specs, 5_000, 1) {
            Err(why) => println!("refused ({what}): {why}"),
            Ok(_) => return Err(format!("{what} was run")),
        }
    }
    Ok(())
}

/// The system description's partitions, until each has ended or stopped.
pub fn demo() -> i32 {
    println!("wells: {} partitions of system {} in a {} us major frame", system::PARTITIONS.len(), system::NAME, system::MAJOR_FRAME_US);
    match executive::run(system::PARTITIONS, system::MAJOR_FRAME_US, 0) {
        Ok(report) => {
            for p in &report.partitions {
                println!("wells: partition '{}': {:?}, {} windows, {} virtual interrupts, {} lines", p.name, p.state, p.windows, p.virtual_interrupts, p.lines);
            }
            let l = report.lateness;
            println!("wells: {} frames; window starts late by {}..{} ns of the board clock (instructions under -icount)", report.frames, l.min_ns, l.max_ns);
            if report.windows_missed != 0 {
                println!("wells: {} windows missed: the board clock ran past them before they could start (QEMU in real time, slower than the board)", report.windows_missed);
            }
            i32::from(report.partitions.iter().any(|p| p.state != State::Ended(0)))
        }
        Err(why) => {
            println!("wells: partitions refused: {why}");
            1
        }
    }
}

/// The bench rows of the partitions (`cargo xtask bench`): a thread demo beside a spinner.
pub fn bench() -> i32 {
    const FRAMES: u32 = 20;
    let report = match executive::run(&[partition("spinner", programs::SPIN, 0), partition("demo", programs::THREADS_DEMO, 10)], 5_000, FRAMES) {
        Ok(report) => report,
        Err(why) => {
            println!("bench: partitions refused: {why}");
            return 1;
        }
    };
    let l = report.lateness;
    println!("--- bench table ---");
    println!("| measurement | instructions |");
    println!("|---|---|");
    println!("| partition switch at a window boundary (save + load) | {} |", report.switch_max_ns);
    println!("| virtual timer interrupt: due to partition handler | {} |", report.virq_max_ns);
    println!("| window-start jitter ({} windows) | {} |", l.windows, l.jitter_ns());
    println!("| window-start lateness, most | {} |", l.max_ns);
    println!();
    println!("RAM per partition: {} bytes (one MPU region); its RTOS state {} bytes, thread stacks 2 x 2048", 16 * 1024, core::mem::size_of::<super::mini_os::Os>());
    println!("virtual interrupts measured: {}", report.virq_measured);
    println!("--- end ---");
    0
}
