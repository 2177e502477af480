//! `cargo xtask`: the one driver for setting up, building, running and testing wells.
//!
//! Every command either does its whole job or fails with a message that says what went wrong;
//! nothing is skipped silently.

mod advisor;
mod arm32;
mod bench;
mod bench_aims;
mod child;
mod clippy;
mod cortex_m3;
mod m3_partitions;
mod hyper;
mod cortex_r52;
mod embox;
mod full_stack;
mod header;
mod hosted;
mod launcher;
mod library_arm;
mod linux;
mod linux_guest;
mod load;
mod minimal;
mod miri;
mod monitor;
mod osek;
mod profile;
mod qemu;
mod user_apps;
mod setup;
mod smp;
mod smp_arm32;
mod smp_bench;
mod soak;
mod summary;
mod systems;
mod trace;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Result of a command or step: `Err` carries the message shown to the user.
pub type Result<T> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup            check the tools wells needs; install what is missing
                   (rustup targets/components, Debian packages)
  header [--check] generate include/wells.h from wells-ffi with cbindgen;
                   --check fails when the checked-in header is stale
  build            build libwells.a (release) and regenerate include/wells.h
  run [--system S] setup, build, then boot a system of systems/ (or the hosted C example;
                   `run --help` lists them)
  test [--under-load | --monitor | --r52-hyper | --m3 | --m3-partitions | --smp | --smp-arm32 | --smp-hyper | --arm64]
                   setup, then every test step; prints a PASS/FAIL tally;
                   --under-load: the same with a CPU hog on every core (the
                   verdicts must not change); --monitor: only the EL3 monitor's
                   boots (docs/monitor.md); --r52-hyper: only the Cortex-R52
                   hypervisor's boots (docs/hypervisor.md); --m3: only the Cortex-M3
                   supervisor's boots and the minimal configuration's; --m3-partitions: only
                   the Cortex-M3 partitions' boot; --smp: only the SMP
                   bring-up boots (arm64: 2 and 4 CPUs, Cortex-A15: 2; multi-threaded
                   TCG, and the arm64 and Cortex-A15 hypervisors on 2 CPUs); --smp-arm32:
                   only the Cortex-A15's SMP boots; --smp-hyper:
                   only those hypervisor boots; --arm64: the
                   arm64 supervisor's boots and the SMP ones
  test --board NAME
                   only that board's test plan (qemu-virt-arm64, qemu-virt-arm64-hyper,
                   qemu-virt-arm32, qemu-virt-arm32-hyper, qemu-mps3-an536,
                   qemu-mps2-an385): its images, bad-input and fuzz boots
  bench            build libwells.a, run benchmarks/hosted (wells vs Linux baselines),
                   then every board's bench image under QEMU -icount (instruction counts),
                   the monitor's, the Linux guest's and wells.ko's; prints the tables and
                   writes docs/benchmarks.md
  bench --board NAME [--write]
                   only that board's bench image (qemu-virt-arm64, qemu-virt-arm64-hyper,
                   qemu-virt-arm32, qemu-virt-arm32-hyper, qemu-mps3-an536,
                   qemu-mps2-an385, qemu-mps2-an385-partitions), booted twice under
                   -icount; prints its table and every run; --write also puts it into
                   docs/benchmarks.md
  bench --minimal [--write]
                   only the Cortex-M3 minimal configuration's flash and kernel RAM with
                   each optional core feature (what each costs); prints it, and with
                   --write also puts it into docs/benchmarks.md
  bench --smp [--board NAME] [--write]
                   only the SMP rows (arm64, and the Cortex-A15: qemu-virt-arm32; --board:
                   that one): cross-core wake-up, IPI round trip and an uncontended mutex on
                   2 CPUs under -icount, and the scaling of one workload over 1, 2 and (arm64)
                   4 CPUs; --write puts them into docs/benchmarks.md
  bench --monitor  only the monitor's section (secure world and full stack, -icount);
                   replaces that section of docs/benchmarks.md
  profile [--board B]
                   where the instructions of each bench row go (qemu-virt-arm64 by
                   default, qemu-virt-arm64-hyper: the hypervisor rows, qemu-virt-arm32 or
                   qemu-mps2-an385): QEMU logs every
                   instruction of a short bench build; writes docs/profile.md (another
                   board's: docs/profile-<board>.md)
  trace [--system S] [--window FROM_US..TO_US] | --test
                   boot a system's demo (default: arm64-tasks) with its ring
                   of events on, under -icount; writes target/trace/<system>.json (Chrome trace
                   events: open in ui.perfetto.dev) and target/trace/<system>.png (a
                   timeline of which thread ran when, or of a window of it, in µs);
                   --test: only the suite's step
                   (a known scenario's switches, one by one); docs/traces.md
  debug [--system S | --board B] [--bin NAME]
                   build a QEMU board image (default: the demo) and start QEMU halted
                   with the gdb stub on :1234; prints the gdb command to attach
  linux-module [--kdir DIR] [--kernel VMLINUZ|RELEASE] [--append ARGS] [--test | --bench]
                   build wells.ko (wells as a Linux kernel module) into
                   target/linux-module/<release>/; default DIR: the installed
                   linux-headers-amd64; fails on an objtool warning;
                   --test: only the Linux module steps of `test` (QEMU: Debian's 6.1,
                   6.12 and 6.12-rt; with --kdir/--kernel only that kernel, booting
                   the headers' own release unless --kernel names another);
                   --bench: only its part of `bench` (updates docs/benchmarks.md);
                   --append: extra kernel command line (then --bench only prints)
  linux-guest [--test | --bench | --module | --smp]
                   Debian's arm64 kernel with a busybox initramfs, natively on QEMU virt and
                   as a VM of the wells arm64 hypervisor (docs/linux-guest.md); the suite's
                   steps with a PASS/FAIL tally; --bench: boot to /init natively vs
                   under wells in instructions (-icount); --module: only wells.ko built
                   for that kernel and run inside it (docs/linux-module.md)
  arm-library [--test]
                   build libwells.a for the Arm CPUs (arm64, Cortex-A15/A7, Cortex-M3,
                   Cortex-R52) into target/<rust target>/release/; --test: also
                   the C ABI tests and the hosted example against the arm64 one,
                   run under qemu-aarch64 (the suite's steps); a PASS/FAIL tally
  osek [--board hosted|qemu-mps2-an385] [--test | --bench]
                   the OSEK/VDX OS API on wells (openautosar/): build libwells.a,
                   tools/wells-oil, the example and every conformance test
                   (openautosar/tests: OIL + C, each checking the order tasks ran
                   in), hosted (the default) or for the Cortex-M3 board
                   (arm-none-eabi-gcc, adapters/mps2-an385); --test: also run them,
                   in Linux processes or on qemu-system-arm -M mps2-an385 under
                   -icount (the suite's steps); a PASS/FAIL tally; --bench (M3): the
                   OSEK rows of `bench` (updates their section of docs/benchmarks.md)
  clippy           clippy, warnings denied, over the host crates and every image crate with
                   each feature set its test plan, demo and bench build (a step of `test`)
  soak             the long soaks: an hour of virtual time on each hypervisor image
                   (kernel objects and VMs churned, heap flat), ten minutes of the
                   hosted library (heap and RSS flat), and the system-call and
                   hypercall fuzzers at 1 000 000 calls each; a PASS/FAIL tally
  smp-soak [N]     the SMP boots (arm64 4-CPU bring-up and kernel boots at EL1 and
                   EL2 entry, the Cortex-A15's 2-CPU ones at SVC and HYP entry;
                   multi-threaded TCG) N rounds (default 20); stops at the first failure
  help             this text
";

const RUN_HELP: &str = "\
usage: cargo xtask run [--system <system>]
       cargo xtask run --board <board> [--level super|hyper]
       cargo xtask run --example advisor [--advisor <command>]
       cargo xtask run --example osek [--board qemu-mps2-an385]
       cargo xtask run --cpus <N> [--board qemu-virt-arm64 | --board qemu-virt-arm32]

Runs `setup`, then builds and boots the image of a system, streaming its output; exits
with the program's status. A system is one file of systems/ (systems/README.md): its
board, CPU, level and domains -- user tasks or VMs -- read into the image at build time.
Without options: arm64-tasks.

`--board` (its `qemu-` prefix may be left out) and `--level` (`super`, the default, or
`hyper`) pick the board's default system at that level; `--board hosted` runs the C
example examples/c-hosted instead: libwells.a (+ include/wells.h) linked with
adapters/posix, run as a Linux process. `--example advisor` runs the advisor loop
(examples/advisor: a workload under the classic policy, telemetry to an advisor command
-- by default examples/advisor/advisor.py -- its decision set loaded, the workload again).
`--example osek` runs the OSEK application openautosar/examples/osek (OIL + C written
against Os.h) hosted on wells in a Linux process, or with `--board qemu-mps2-an385` on
the Cortex-M3 board (QEMU mps2-an385, adapters/mps2-an385).
`--board embox` builds embox (a POSIX RTOS) with wells as its shell command `wells`
(adapters/embox) and boots it in qemu-system-aarch64 on this terminal.
`--cpus N` (1 to 8) boots the arm64 SMP demo on N CPUs (multi-threaded TCG): one kernel
runs threads on every CPU, and each CPU's share of the work is printed; with
`--board qemu-virt-arm32`, the Cortex-A15's (1 to 8 CPUs as well).

systems (systems/*.toml):
";

/// Boards `run --board` accepts: the hosted C example and the QEMU boards of `images/`.
const BOARDS: &[&str] = &[qemu::VIRT_ARM64.name, arm32::VIRT_ARM32.name, cortex_m3::MPS2_AN385.name, cortex_r52::MPS3_AN536.name, "hosted"];

/// `run --help`: the options, then every system of `systems/` with its description.
fn run_help(root: &Path) -> String {
    format!("{RUN_HELP}{}boards (--board): {}\n", systems::help_list(root), board_list())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let root = repo_root();

    let outcome = match command.as_str() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(0)
        }
        "setup" => no_options("setup", rest)
            .and_then(|()| setup::run(&root))
            .map(|()| 0),
        "header" => header_command(&root, rest).map(|()| 0),
        "build" => no_options("build", rest)
            .and_then(|()| build(&root))
            .map(|()| 0),
        "run" => run_command(&root, rest),
        "test" => match rest {
            [] => test(&root),
            [flag] if flag == "--under-load" => {
                let _hogs = load::CpuHogs::start();
                test(&root)
            }
            [flag] if flag == "--r52-hyper" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --r52-hyper");
                for (name, result) in cortex_r52::run_hyper_tests(&root) {
                    summary.record(&name, result);
                }
                if summary.finish() { 0 } else { 1 }
            }),
            [flag] if flag == "--m3-partitions" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --m3-partitions");
                for (name, result) in m3_partitions::run_tests(&root) {
                    summary.record(&name, result);
                }
                if summary.finish() { 0 } else { 1 }
            }),
            [flag] if flag == "--m3" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --m3");
                for (name, result) in cortex_m3::run_tests(&root) {
                    summary.record(&name, result);
                }
                let (name, result) = minimal::test(&root);
                summary.record(&name, result);
                if summary.finish() { 0 } else { 1 }
            }),
            [flag] if flag == "--monitor" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --monitor");
                for (name, result) in monitor::run_tests(&root) {
                    summary.record(&name, result);
                }
                if summary.finish() { 0 } else { 1 }
            }),
            [flag] if flag == "--arm64" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --arm64");
                for (name, result) in qemu::run_arm64_tests(&root).into_iter().chain(smp::run_tests(&root)) {
                    summary.record(&name, result);
                }
                if summary.finish() { 0 } else { 1 }
            }),
            [flag, board] if flag == "--board" => board_tests(board).map_or_else(
                || usage_error(&format!("no test plan for board `{board}` (`cargo xtask help`)"), USAGE),
                |run| {
                    setup::run(&root).map(|()| {
                        // xtask runs once and ends: the title is leaked to stay `'static`.
                        let mut summary = summary::Summary::new(Box::leak(format!("xtask test --board {board}").into_boxed_str()));
                        for (name, result) in run(&root) {
                            summary.record(&name, result);
                        }
                        if summary.finish() { 0 } else { 1 }
                    })
                },
            ),
            [flag] if flag == "--smp" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --smp");
                for (name, result) in smp::run_tests(&root).into_iter().chain(smp_arm32::run_tests(&root)) {
                    summary.record(&name, result);
                }
                if summary.finish() { 0 } else { 1 }
            }),
            [flag] if flag == "--smp-arm32" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --smp-arm32");
                for (name, result) in smp_arm32::run_tests(&root) {
                    summary.record(&name, result);
                }
                if summary.finish() { 0 } else { 1 }
            }),
            [flag] if flag == "--smp-hyper" => setup::run(&root).map(|()| {
                let mut summary = summary::Summary::new("xtask test --smp-hyper");
                summary.record(smp::HYPER_NAME, smp::hyper_test(&root));
                summary.record(smp_arm32::HYPER_NAME, smp_arm32::hyper_test(&root));
                if summary.finish() { 0 } else { 1 }
            }),
            _ => usage_error(&format!("bad arguments for `test`: {}", rest.join(" ")), USAGE),
        },
        "bench" => match rest {
            [] => bench::run(&root),
            [flag, board] if flag == "--board" => bench::run_one(&root, board, false),
            [flag, board, write] if flag == "--board" && write == "--write" => bench::run_one(&root, board, true),
            [flag] if flag.starts_with("--board=") => bench::run_one(&root, &flag["--board=".len()..], false),
            [flag] if flag == "--minimal" => minimal::size_section(&root).map(|table| print!("{table}")),
            [flag] if flag == "--smp" => smp_bench::command(&root, None, false),
            [flag, write] if flag == "--smp" && write == "--write" => smp_bench::command(&root, None, true),
            [flag, option, board] if flag == "--smp" && option == "--board" => smp_bench::command(&root, Some(board), false),
            [flag, option, board, write] if flag == "--smp" && option == "--board" && write == "--write" => smp_bench::command(&root, Some(board), true),
            [flag, write] if flag == "--minimal" && write == "--write" => minimal::write_section(&root),
            [flag] if flag == "--monitor" => monitor::bench_section(&root).and_then(|section| {
                print!("{section}");
                bench::replace_report_section(&root, monitor::BENCH_TITLE, &section)
            }),
            _ => usage_error(&format!("bad arguments for `bench`: {}", rest.join(" ")), USAGE),
        }
        .map(|()| 0),
        "debug" => qemu::debug_command(&root, rest),
        "soak" => no_options("soak", rest).and_then(|()| soak::command(&root)),
        "smp-soak" => smp::soak(&root, rest),
        "clippy" => no_options("clippy", rest).and_then(|()| clippy::command(&root)),
        "linux-module" => linux::command(&root, rest),
        "linux-guest" => linux_guest::command(&root, rest),
        "arm-library" => library_arm::command(&root, rest),
        "osek" => osek::command(&root, rest),
        "profile" => profile::command(&root, rest).map(|()| 0),
        "trace" => trace::command(&root, rest).map(|()| 0),
        other => {
            eprintln!("xtask: unknown command `{other}`\n");
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("xtask {command}: error: {message}");
            ExitCode::from(1)
        }
    }
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent directory")
        .to_path_buf()
}

/// Prints the usage and exits with status 2: the command line itself was wrong.
fn usage_error(message: &str, usage: &str) -> ! {
    eprintln!("xtask: {message}\n");
    eprint!("{usage}");
    std::process::exit(2);
}

fn no_options(command: &str, rest: &[String]) -> Result<()> {
    if let Some(extra) = rest.first() {
        usage_error(
            &format!("`{command}` takes no arguments, got `{extra}`"),
            USAGE,
        );
    }
    Ok(())
}

fn header_command(root: &Path, rest: &[String]) -> Result<()> {
    match rest {
        [] => header::write(root),
        [flag] if flag == "--check" => header::check(root),
        _ => usage_error(
            &format!("bad arguments for `header`: {}", rest.join(" ")),
            USAGE,
        ),
    }
}

/// `cargo xtask build`: libwells.a, then the header.
fn build(root: &Path) -> Result<()> {
    hosted::build_library(root)?;
    header::write(root)
}

/// "qemu-virt-arm64 (default), ..." for messages.
fn board_list() -> String {
    let names: Vec<String> = BOARDS
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 0 { format!("{b} (default)") } else { b.to_string() })
        .collect();
    names.join(", ")
}

/// `cargo xtask run`: returns the program's exit status.
fn run_command(root: &Path, rest: &[String]) -> Result<u8> {
    let help = run_help(root);
    let (mut board, mut level, mut system) = (None, None, None);
    let (mut example, mut advisor_command, mut cpus) = (None, None, None);
    let mut i = 0;
    while i < rest.len() {
        let arg = rest[i].as_str();
        let (option, inline) = match arg.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value.to_string())),
            _ => (arg, None),
        };
        let slot = match option {
            "--help" | "-h" => {
                print!("{help}");
                return Ok(0);
            }
            "--example" => &mut example,
            "--advisor" => &mut advisor_command,
            "--board" => &mut board,
            "--level" => &mut level,
            "--system" => &mut system,
            "--cpus" => &mut cpus,
            _ => usage_error(&format!("unknown option `{arg}` for `run`"), &help),
        };
        let value = match inline {
            Some(value) => value,
            None => {
                i += 1;
                match rest.get(i) {
                    Some(value) => value.clone(),
                    None => usage_error(&format!("`{option}` needs a value"), &help),
                }
            }
        };
        *slot = Some(value);
        i += 1;
    }
    // The SMP demo: one kernel's threads on every CPU (`smp.rs`, `smp_arm32.rs`).
    if let Some(cpus) = cpus {
        let board = board.as_deref().map(|b| if b.starts_with("qemu-") { b.to_string() } else { format!("qemu-{b}") });
        if example.is_some() || system.is_some() || level.is_some() {
            usage_error("`--cpus` boots the SMP demo: it takes only `--board qemu-virt-arm64` or `--board qemu-virt-arm32`", &help);
        }
        return match board.as_deref() {
            None | Some("qemu-virt-arm64") => smp::run_demo(root, &cpus),
            Some("qemu-virt-arm32") => smp_arm32::run_demo(root, &cpus),
            Some(other) => usage_error(&format!("`--cpus` boots the SMP demo of qemu-virt-arm64 or qemu-virt-arm32, not of `{other}`"), &help),
        };
    }
    match example.as_deref() {
        Some("advisor") => {
            setup::run(root)?;
            return advisor::run(root, advisor_command.as_deref());
        }
        Some("osek") if advisor_command.is_none() && level.is_none() && system.is_none() => {
            setup::run(root)?;
            return osek::run_example(root, board.as_deref());
        }
        Some("osek") if advisor_command.is_none() => {
            usage_error(&format!("`--example osek` takes only `--board hosted` or `--board {}`", osek::BOARD_NAMES), &help)
        }
        Some("osek") => usage_error("`--advisor` goes with `--example advisor`", &help),
        Some(other) => usage_error(&format!("unknown example `{other}` (examples: advisor, osek)"), &help),
        None if advisor_command.is_some() => usage_error("`--advisor` goes with `--example advisor`", &help),
        None => {}
    }
    // wells inside embox (adapters/embox): a QEMU machine of its own, not a wells board.
    if board.as_deref() == Some(embox::BOARD) && level.is_none() && system.is_none() {
        setup::run(root)?;
        return embox::run(root);
    }
    if let Some(system) = system {
        if board.is_some() || level.is_some() {
            usage_error("`--system` names board and level itself: leave out `--board` and `--level`", &help);
        }
        return systems::run(root, &system);
    }
    let mut board = board.unwrap_or_else(|| qemu::VIRT_ARM64.name.to_string());
    if !BOARDS.contains(&board.as_str()) && BOARDS.contains(&format!("qemu-{board}").as_str()) {
        board = format!("qemu-{board}");
    }
    if !BOARDS.contains(&board.as_str()) {
        usage_error(&format!("unknown board `{board}` (boards: {})", board_list()), &help);
    }
    let name = match level.as_deref().unwrap_or("super") {
        "super" => board.clone(),
        "hyper" if board == qemu::VIRT_ARM64.name || board == arm32::VIRT_ARM32.name => format!("{board}-hyper"),
        "hyper" => usage_error(&format!("no hypervisor for `{board}` (only qemu-virt-arm64 and qemu-virt-arm32)"), &help),
        other => usage_error(&format!("unknown level `{other}` (levels: super, hyper)"), &help),
    };
    if board == "hosted" {
        setup::run(root)?;
        build(root)?;
        return hosted::run_example(root);
    }
    let chosen = qemu::QEMU_BOARDS.into_iter().find(|b| b.name == name).expect("every QEMU board of BOARDS is in QEMU_BOARDS");
    systems::run(root, chosen.system)
}

/// `cargo xtask test`: every step runs, even after a failure, so the tally is complete.
fn test(root: &Path) -> Result<u8> {
    setup::run(root)?;
    let mut summary = summary::Summary::new("xtask test");

    for package in ["wells-core", "wells-ffi", "wells-policy", "wells-board", "xtask"] {
        let name = format!("cargo test -p {package}");
        let result = cargo(root, &["test", "-p", package]);
        summary.record(&name, result);
    }
    // The small configuration: the core without its optional features (`docs/core.md`).
    let result = cargo(root, &["test", "-p", "wells-core", "--no-default-features"]);
    summary.record("cargo test -p wells-core --no-default-features", result);
    // The kernel for several CPUs: its tests of what one CPU does to another's threads.
    let result = cargo(root, &["test", "-p", "wells-core", "--features", "smp"]);
    summary.record("cargo test -p wells-core --features smp", result);

    for (name, result) in clippy::run(root) {
        summary.record(&name, result);
    }

    match miri::run(root) {
        miri::Step::Ran(result) => summary.record("Miri: wells-core tests that switch no stacks (cargo +nightly miri test)", result),
        miri::Step::Skipped(why) => summary.skip("Miri: wells-core tests that switch no stacks", why),
    }

    let library = hosted::build_library(root);
    let library_ok = library.is_ok();
    summary.record(
        "build libwells.a (cargo build --release -p wells-ffi)",
        library,
    );
    summary.record("include/wells.h up to date", header::check(root));

    for (name, result) in hosted::run_c_abi_tests(root, library_ok) {
        summary.record(&name, result);
    }
    summary.record("C ABI tests, every tests/c-abi program built with ASan + UBSan", hosted::run_c_abi_sanitized(root, library_ok));
    summary.record("fuzz policy-load: 1 000 000 decision-set inputs (tests/fuzz, ASan + UBSan)", hosted::run_fuzz(root, library_ok, "policy"));
    summary.record("fuzz c-api: 200 000 calls from several wells threads (tests/fuzz, ASan + UBSan)", hosted::run_fuzz(root, library_ok, "capi"));
    summary.record(
        "example examples/c-hosted",
        hosted::test_example(root, library_ok),
    );
    summary.record("example examples/advisor (two identical runs, fewer misses)", advisor::test(root));
    for (name, result) in library_arm::tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in osek::tests(root) {
        summary.record(&name, result);
    }

    for (name, result) in qemu::run_arm64_tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in smp::run_tests(root).into_iter().chain(smp_arm32::run_tests(root)) {
        summary.record(&name, result);
    }
    for (name, result) in monitor::run_tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in hyper::run_tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in hyper::run_tests_32(root) {
        summary.record(&name, result);
    }
    for (name, result) in arm32::run_tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in cortex_m3::run_tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in m3_partitions::run_tests(root) {
        summary.record(&name, result);
    }
    let (name, result) = minimal::test(root);
    summary.record(&name, result);
    for (name, result) in cortex_r52::run_tests(root) {
        summary.record(&name, result);
    }
    for (name, result) in soak::run(root, soak::SHORT, library_ok) {
        summary.record(&name, result);
    }
    for (name, result) in linux::tests(root) {
        summary.record(&name, result);
    }
    linux_guest::record(&mut summary, linux_guest::tests(root));
    for (name, result) in launcher::tests(root) {
        summary.record(&name, result);
    }
    summary.record("trace of a known scenario: exactly the expected switches (arm64, -icount)", trace::test(root));
    match embox::test(root) {
        miri::Step::Ran(result) => summary.record(embox::STEP, result),
        miri::Step::Skipped(why) => summary.skip(embox::STEP, why),
    }

    Ok(if summary.finish() { 0 } else { 1 })
}

/// Runs cargo (the one that started xtask) in the repo root with inherited output.
pub fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command.args(args).current_dir(root);
    run_status(&mut command, &format!("cargo {}", args.join(" ")))
}

/// Runs a command to completion with inherited stdio; fails unless it exits with 0.
pub fn run_status(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .map_err(|e| format!("cannot start `{what}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{what}` failed: {}", hosted::describe(status)))
    }
}

/// A board's test plan: one result per boot.
type TestPlan = fn(&std::path::Path) -> Vec<(String, Result<()>)>;

/// The test plan of one board (`test --board NAME`): for a change confined to one port.
fn board_tests(board: &str) -> Option<TestPlan> {
    Some(match board {
        "qemu-virt-arm64" => qemu::run_arm64_tests,
        "qemu-virt-arm64-hyper" => hyper::run_tests,
        "qemu-virt-arm32" => arm32::run_tests,
        "qemu-virt-arm32-hyper" => hyper::run_tests_32,
        "qemu-mps3-an536" => cortex_r52::run_tests,
        "qemu-mps2-an385" => cortex_m3::run_tests,
        _ => return None,
    })
}
