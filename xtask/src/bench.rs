//! `cargo xtask bench`: builds libwells.a, compiles and runs benchmarks/hosted (each wells figure
//! beside a Linux baseline from the same run), then builds the arm64 bench image and boots it
//! twice under QEMU `-icount` (instruction counts, which must repeat exactly), and once more built
//! with feature `smp` (what SMP built in costs one CPU); prints the tables and writes
//! docs/benchmarks.md with the machine, both tables and the image sizes.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::qemu::{self, VIRT_ARM64};
use crate::Result;

const BENCH_DIR: &str = "benchmarks/hosted";
const LIBRARY: &str = "target/release/libwells.a";
const BINARY: &str = "target/hosted/bench";
const REPORT: &str = "docs/benchmarks.md";
const TIME_LIMIT: Duration = Duration::from_secs(300);

/// The boards with a bench image, as `bench` runs them: board, title, counter, features of
/// the test image whose size is reported, and the board whose native figures a hypervisor's
/// guest is compared with.
type BenchBoard = (&'static qemu::Board, &'static str, &'static str, &'static [&'static str], Option<&'static str>);
const BENCH_BOARDS: [BenchBoard; 7] = [
    (&VIRT_ARM64, ARM64_TITLE, PMU_COUNTER, &["user32"], None),
    (&crate::hyper::VIRT_ARM64_HYPER, "arm64 hypervisor (Cortex-A53, EL2)", HYPER_COUNTER, &[], Some(ARM64_TITLE)),
    (&crate::arm32::VIRT_ARM32, ARM32_TITLE, PMU_COUNTER, &["user"], None),
    (&crate::hyper::VIRT_ARM32_HYPER, "arm32 hypervisor (Cortex-A15, HYP)", HYPER_COUNTER, &[], Some(ARM32_TITLE)),
    (&crate::cortex_r52::MPS3_AN536, "Cortex-R52 (ARMv8-R, EL1, MPU)", R52_COUNTER, &["user"], None),
    (&crate::cortex_m3::MPS2_AN385, "Cortex-M3 (ARMv7-M, privileged thread mode, MPU)", M3_COUNTER, &["user"], None),
    (&crate::m3_partitions::MPS2_AN385_PARTITIONS, "Cortex-M3 partitions (MPU, time windows)", M3_COUNTER, &[], None),
];

/// `cargo xtask bench --board NAME [--write]`: only that board's bench image, booted twice
/// under `-icount` (the figures must repeat); prints its table and runs; with `write`, also puts
/// its subsection into docs/benchmarks.md (replacing the board's own, or after the last board's).
pub fn run_one(root: &Path, name: &str, write: bool) -> Result<()> {
    let Some(&(board, title, counter, test_features, _)) = BENCH_BOARDS.iter().find(|b| b.0.name == name) else {
        let names: Vec<&str> = BENCH_BOARDS.iter().map(|b| b.0.name).collect();
        return Err(format!("no bench image for board `{name}`; boards: {}", names.join(", ")));
    };
    let bench = run_board(root, board, title, counter, test_features)?;
    println!("\n### {title}\n\n- command: `{}`\n\n{}", bench.command, bench.block);
    if let Some(guest) = &bench.guest_block {
        println!("\nguest:\n{guest}");
    }
    if write {
        // A hypervisor's guest comparison needs its native board's figures: only the full
        // report has them.
        replace_board_section(root, title, &render_board(&bench, None))?;
        // The fast-path aims read the board tables: their "now" follows the new figures.
        let path = root.join(REPORT);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        std::fs::write(&path, crate::bench_aims::refresh(&text)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Puts a board's subsection (`### title`) in place of its old one in docs/benchmarks.md, or
/// after the last board's when it has none yet.
fn replace_board_section(root: &Path, title: &str, section: &str) -> Result<()> {
    let path = root.join(REPORT);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let heading = format!("\n### {title}\n");
    // A subsection ends at the next subsection, the sizes' footnote or the next section.
    let end_after = |from: usize| ["\n### ", "\nBytes, from GNU `size`", "\n## "].iter().filter_map(|m| text[from..].find(m)).min().map_or(text.len(), |i| from + i);
    let (start, end) = match text.find(&heading) {
        Some(at) => (at, end_after(at + heading.len())),
        None => {
            let boards = text.find("\n## wells standalone on QEMU boards").ok_or("docs/benchmarks.md has no boards section: run `cargo xtask bench`")?;
            let at = text[boards..].find("\nBytes, from GNU `size`").map(|i| boards + i).ok_or("the boards section has no sizes footnote")?;
            (at, at)
        }
    };
    let new = format!("{}\n\n{}\n{}", text[..start].trim_end_matches('\n'), section.trim_matches('\n'), &text[end..]);
    std::fs::write(&path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("xtask: updated `### {title}` in {REPORT}");
    Ok(())
}

pub fn run(root: &Path) -> Result<()> {
    crate::hosted::build_library(root)?;
    // The benchmark compiles against the checked-in include/wells.h; `bench` does not rewrite
    // it (that is `cargo xtask build`), only says when it no longer matches wells-ffi.
    if let Err(message) = crate::header::check(root) {
        eprintln!("xtask bench: warning: {message}");
    }

    let sources = crate::hosted::c_files(root, BENCH_DIR)?;
    crate::hosted::compile(root, &sources, Path::new(BINARY))?;

    let mut hosted = Command::new(root.join(BINARY));
    hosted.current_dir(root);
    let output = run_with_limit(hosted, BINARY)?;
    let table = extract_table(&output)?;

    let sizes = vec![
        (
            format!("`{LIBRARY}`: every archive member (`size -t`, TOTALS line)"),
            size_totals(root, LIBRARY)?,
        ),
        (
            format!("`{BINARY}`: the benchmark program as linked (`-Wl,--gc-sections`)"),
            size_of(root, BINARY)?,
        ),
    ];

    let boards = BENCH_BOARDS
        .iter()
        .map(|&(board, title, counter, test_features, native)| {
            let bench = run_board(root, board, title, counter, test_features)?;
            Ok(match native {
                Some(native) => bench.compared_with(native),
                None => bench,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut report = render(&output, &table, &sizes)?;
    report.push_str(&crate::bench_aims::render(&boards));
    report.push_str(&crate::minimal::size_section(root)?);
    report.push_str(&render_boards(&boards));
    report.push_str(&crate::osek::render_bench(&crate::osek::bench_m3(root)?));
    report.push_str(&crate::smp_bench::section(root)?);
    report.push_str(&crate::monitor::bench_section(root)?);
    report.push_str(&crate::linux_guest::bench_section(root)?);
    report.push_str(&linux_section(root)?);
    let path = root.join(REPORT);
    std::fs::write(&path, report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("\nimage size (text / data / bss, bytes):");
    for (what, (text, data, bss)) in sizes.iter().chain(boards.iter().flat_map(|b| &b.sizes)) {
        println!("  {text:>8} {data:>7} {bss:>7}  {}", what.replace('`', ""));
    }
    println!("xtask: wrote {REPORT}");
    Ok(())
}

/// Puts `section` in place of the report's section headed `title` (up to the next `## `
/// heading), or before the Linux section, or at the end: for commands that measure one part.
pub(crate) fn replace_report_section(root: &Path, title: &str, section: &str) -> Result<()> {
    replace_report_section_or_before(root, title, section, "## Linux kernel module:")
}

/// [`replace_report_section`], with a section that is not there yet going before the heading
/// `anchor` (or at the end), where the full bench puts it.
pub(crate) fn replace_report_section_or_before(root: &Path, title: &str, section: &str, anchor: &str) -> Result<()> {
    let path = root.join(REPORT);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (start, end) = match text.find(title) {
        Some(start) => {
            let after = start + title.len();
            (start, text[after..].find("\n## ").map_or(text.len(), |i| after + i + 1))
        }
        None => {
            let at = text.find(anchor).unwrap_or(text.len());
            (at, at)
        }
    };
    let new = format!("{}\n{}\n{}", text[..start].trim_end_matches('\n'), section.trim_matches('\n'), &text[end..]);
    std::fs::write(&path, new.trim_end_matches('\n').to_string() + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("xtask: updated `{title}` in {REPORT}");
    Ok(())
}

/// Runs a benchmark, echoing its stdout line by line and keeping it; stderr passes through.
/// Fails when it exits non-zero (a check failed) or outlives the time limit.
pub(crate) fn run_with_limit(mut command: Command, program: &str) -> Result<String> {
    println!(
        "xtask: running {program} (limit {} s)",
        TIME_LIMIT.as_secs()
    );
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut kept = String::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            println!("{line}");
            kept.push_str(&line);
            kept.push('\n');
        }
        kept
    });
    let status = match crate::child::wait_within(&mut child, TIME_LIMIT) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = reader.join();
            return Err(format!("{program} timed out after {} s and was killed", TIME_LIMIT.as_secs()));
        }
        Err(e) => return Err(format!("cannot wait for {program}: {e}")),
    };
    let output = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "{program} failed ({}): a benchmark check did not hold, see its messages above",
            crate::hosted::describe(status)
        ));
    }
    Ok(output)
}

/// The Markdown table the benchmark printed (header, rule and at least one row).
fn extract_table(output: &str) -> Result<String> {
    let rows: Vec<&str> = output.lines().filter(|l| l.starts_with('|')).collect();
    let expected_header = "| measurement | wells (ns) | Linux baseline (ns) | ratio wells/Linux |";
    if rows.len() < 3 || rows[0] != expected_header {
        return Err(format!(
            "the benchmark exited 0 but printed no table starting with `{expected_header}`"
        ));
    }
    Ok(rows.join("\n"))
}

/// (text, data, bss) from `size` output: the line `pick` selects.
fn parse_size(text: &str, pick: impl Fn(&str) -> bool, what: &str) -> Result<(u64, u64, u64)> {
    let line = text
        .lines()
        .find(|l| pick(l))
        .ok_or_else(|| format!("`size` printed no line for {what}"))?;
    let numbers: Vec<u64> = line
        .split_whitespace()
        .take(3)
        .map(|w| w.parse::<u64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| format!("cannot read `size` line for {what}: {line}"))?;
    match numbers[..] {
        [text, data, bss] => Ok((text, data, bss)),
        _ => Err(format!("cannot read `size` line for {what}: {line}")),
    }
}

fn run_size(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("size")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot start `size` (GNU binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`size {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn size_totals(root: &Path, archive: &str) -> Result<(u64, u64, u64)> {
    let text = run_size(root, &["-t", archive])?;
    parse_size(&text, |l| l.trim_end().ends_with("(TOTALS)"), archive)
}

pub(crate) fn size_of(root: &Path, binary: &str) -> Result<(u64, u64, u64)> {
    let text = run_size(root, &[binary])?;
    parse_size(&text, |l| l.trim_end().ends_with(binary), binary)
}

/// Output of a command, trimmed; `unknown` when it cannot run.
fn command_text(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn render(output: &str, table: &str, sizes: &[(String, (u64, u64, u64))]) -> Result<String> {
    let date = command_text("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let uname = command_text("uname", &["-srm"]);
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let summary = output.lines().next().unwrap_or("").trim();
    let runs: Vec<&str> = output
        .lines()
        .skip_while(|l| !l.starts_with("all runs"))
        .skip(1)
        .filter(|l| l.starts_with("- "))
        .collect();

    let mut md = String::new();
    md.push_str("# wells benchmarks\n\n");
    md.push_str(
        "Written by `cargo xtask bench` (do not edit by hand: run the command again). \
         Sources: `benchmarks/hosted/` and `images/common/src/bench.rs`.\n\n",
    );
    md.push_str("## Hosted: wells in a Linux process (x86_64)\n\n");
    md.push_str(
        "What is measured, each as wall-clock ns per operation around many iterations, median of \
         5 runs:\n\
         - **thread switch**: two wells threads of one priority alternating with \
         `wells_thread_yield` (200 000 switches); baseline: two pthreads handing a token over \
         with a mutex and condition variables.\n\
         - **semaphore ping-pong**: two wells threads waking each other through two \
         `wells_sem_t`, per wake + switch; baseline: the same with POSIX `sem_t`.\n\
         - **port round trip**: a client sends a 16-byte request on one port and waits for the \
         reply on another, a server of the same priority answers; baseline: two one-slot \
         mailboxes made of a mutex and condition variables.\n\
         - **switch vs ready threads**: 2, 8, 32 wells threads of one priority all yielding \
         (O(1) selection shows as a flat line; no baseline).\n\n\
         The process is pinned to one CPU, so every baseline hand-off is a real switch on one \
         core, as in wells. Every run checks its result (the token alternated, every reply \
         matched its request, the switches happened) and the program prints no figures if a \
         check fails.\n\n\
         Wall-clock nanoseconds vary from machine to machine and from run to run; the figure to \
         compare is the **ratio wells/Linux**, because each baseline is measured in the same \
         run, on the same CPU, interleaved with the wells runs.\n\n",
    );
    md.push_str(&format!(
        "- command: `cargo xtask bench`\n- date: {date}\n- `uname -srm`: {uname}\n\
         - CPU: {} ({cpus} CPUs online)\n\n",
        cpu_model()
    ));
    if !summary.is_empty() && !summary.starts_with('|') {
        md.push_str(&format!("{summary}\n\n"));
    }
    md.push_str(table);
    md.push_str("\n\n");
    if !runs.is_empty() {
        md.push_str("All runs (ns per operation, in the order measured):\n\n");
        for line in &runs {
            md.push_str(line);
            md.push('\n');
        }
        md.push('\n');
    }
    md.push_str("## Image size (hosted, x86_64)\n\n");
    md.push_str("| what | text | data | bss |\n|---|---:|---:|---:|\n");
    for (what, (text, data, bss)) in sizes {
        md.push_str(&format!("| {what} | {text} | {data} | {bss} |\n"));
    }
    md.push_str(
        "\nBytes, from GNU `size`. The archive total counts every object in libwells.a (wells \
         plus the parts of Rust's `core`/`alloc` compiled into it), used or not, so it is an \
         upper bound for what wells adds to a program. The benchmark binary is what a program \
         really carries: wells, the POSIX adapter, the benchmark's own C code and libc start-up \
         (libc itself is linked dynamically). A linker pulls whole archive members, so without \
         `--gc-sections` unused functions that share a member with used ones come along.\n",
    );
    Ok(md)
}

/// How the A-profile boards count instructions.
const PMU_COUNTER: &str = "the PMU cycle counter (`PMCCNTR_EL0` / `PMCCNTR`), which QEMU advances once per \
     instruction under `-icount`; user tasks read it directly.";
const ARM64_TITLE: &str = "arm64 (Cortex-A53, EL1)";
const ARM32_TITLE: &str = "arm32 (Cortex-A15, SVC)";

/// How the hypervisor's guests count instructions.
const HYPER_COUNTER: &str = "the PMU cycle counter read by the guests at EL1/PL1 (`PMCCNTR_EL0` / `PMCCNTR`, one per \
     instruction under `-icount`); the hypervisor sets the cycle counter's NSH filter bit, so it also counts what runs at \
     EL2/HYP for the guest. \
     The rows are measured by the bare test guest (`images/bare-guest/src/bench.rs`): 1000 hypercalls per repetition; \
     1000 yields against a second VM doing the same (each yield exits, switches to the other vCPU, which returns \
     to its guest and yields back); the guest's virtual timer fired while it spins storing the counter, its IRQ \
     handler's first reading minus the last stored value (one sample per repetition). Below the table: the \
     supervisor's benchmark image run unchanged as a guest, against the same image run natively above.";
/// How the Cortex-R52 board counts instructions (`wells-core/src/arch/armv8r/counter.rs`).
const R52_COUNTER: &str = "QEMU 10's Cortex-R52 has no PMU (ID_DFR0.PerfMon = 0, `PMCCNTR` reads 0, \
     `-cpu cortex-r52,pmu=on` is refused), so the counter is the generic timer's `CNTVCT` converted to ns \
     (x 10^9 / `CNTFRQ`): under `-icount shift=0` one ns of virtual time is one instruction. `CNTFRQ` is \
     62.5 MHz, so the count moves in steps of **16 instructions** (a 200 000-instruction loop moves it by \
     12 501). Figures of loops are averages over thousands of operations, so the step shows only in the \
     single-sample timer row. The user tasks (the `user/apps` bench programs, their position-independent \
     Thumb build, run at EL0) read the same clock through the `time` call at both ends of each loop \
     (`wells_user::cycles` on the MPU boards). The 4096-thread row would need about 36 MiB of kernel heap \
     (8 KiB stacks); the image's heap is the 32 MiB its build script asks for (`images/arm32/build.rs`), \
     so that row is `n/a (RAM)`.";
/// How the Cortex-M3 board counts instructions (`images/cortex-m3/src/counter.rs`).
const M3_COUNTER: &str = "QEMU 10's Cortex-M3 has no DWT cycle counter (DEMCR.TRCENA, `DWT_CTRL` and \
     `DWT_CYCCNT` at 0xE0001004 read as zero and ignore writes), so the counter is the board's clock in ns \
     (CMSDK APB timer 0 counting down freely, 40 ns per count at the 25 MHz system clock, like SysTick): under `-icount shift=0` one ns of virtual time is one instruction, so one SysTick count is \
     **40 instructions** (a 200 000-instruction loop moves `SYST_CVR` by 5000) and figures move in steps of 40 \
     instructions (visible only in the single-sample timer row). SysTick's 1 ms interrupt runs during every \
     measurement (a few dozen instructions per million). Unprivileged tasks cannot read SysTick (Private \
     Peripheral Bus), so the user tasks (the `user/apps` bench programs, their position-independent \
     Thumb build) read the same clock through the `time` call at both ends of each loop \
     (`wells_user::cycles` on the MPU boards). The 4096-thread row does not fit: about 8 MiB of kernel heap (1 KiB stacks plus \
     the thread records) against the 4 MiB of RAM, so it is `n/a (RAM)`.";

impl BoardBench {
    /// Compares its guest's figures with those of board `title`.
    fn compared_with(self, title: &'static str) -> BoardBench {
        BoardBench { native: Some(title), ..self }
    }
}

/// A board bench image's results.
pub(crate) struct BoardBench {
    /// Which board, for the report.
    pub(crate) title: &'static str,
    /// What counts instructions on it, for the report.
    counter: &'static str,
    /// The QEMU command line, paths relative to the repository.
    command: String,
    /// What the image printed between its markers: the table and every repetition.
    pub(crate) block: String,
    /// The same from a guest named `guest` (a hypervisor's image), its lines prefixed.
    guest_block: Option<String>,
    /// The board (title) whose native figures the guest's are compared with.
    native: Option<&'static str>,
    sizes: Vec<(String, (u64, u64, u64))>,
}

const ARM64_BENCH: &str = "wells-bench";
const ARM64_TEST: &str = "wells-test";
const BLOCK_START: &str = "--- bench table ---";
const BLOCK_END: &str = "--- end ---";
/// How a hypervisor's bench image prefixes the lines of its guest named `guest`.
const GUEST_PREFIX: &str = "[guest] ";

/// Builds a board's bench and test images, boots the bench twice under `-icount` and checks
/// the two runs printed the same figures.
fn run_board(
    root: &Path,
    board: &qemu::Board,
    title: &'static str,
    counter: &'static str,
    test_features: &[&str],
) -> Result<BoardBench> {
    let bench = qemu::build(root, board, ARM64_BENCH, board.bench_features)?;
    let test = qemu::build(root, board, ARM64_TEST, test_features)?;
    let command = qemu::command_line(&qemu::bench_command(board, &bench), root);
    let mut blocks = Vec::new();
    let mut guest_block = None;
    for boot in 1..=2 {
        println!("xtask: {title} bench, boot {boot} of 2: {command}");
        let mut qemu = qemu::bench_command(board, &bench);
        qemu.current_dir(root);
        let output = run_with_limit(qemu, ARM64_BENCH)?;
        blocks.push(extract_block(&output)?);
        let guest_lines: String = output.lines().filter_map(|l| l.strip_prefix(GUEST_PREFIX)).map(|l| format!("{l}\n")).collect();
        guest_block = extract_block(&guest_lines).ok();
    }
    if blocks[0] != blocks[1] {
        return Err(format!(
            "the two boots of {ARM64_BENCH} under -icount printed different figures:\n{}\n---\n{}",
            blocks[0], blocks[1]
        ));
    }
    println!("xtask: both boots printed identical figures");
    let mut block = blocks.swap_remove(0);
    if board.name == VIRT_ARM64.name {
        block.push_str(&smp_built_in(root, board, &block)?);
    }
    let mut sizes = Vec::new();
    for (image, what) in [(&test, "the in-kernel test runner"), (&bench, "this benchmark")] {
        let path = image.strip_prefix(root).unwrap_or(image).display().to_string();
        let size = size_of(root, &path)?;
        sizes.push((format!("`{path}`: {what}"), size));
    }
    Ok(BoardBench { title, counter, command, block, guest_block, native: None, sizes })
}

/// The rows of the plain bench image compared with the same image built with feature `smp`,
/// and the name each has there.
const SMP_ROWS: [(&str, &str); 3] = [
    ("kernel thread switch (2 threads, yield)", "kernel thread switch, smp built in, 1 CPU"),
    ("semaphore wake + switch (ping-pong, per wake)", "semaphore wake + switch, smp built in"),
    ("null system call, EL0 -> EL1 -> EL0 (user task)", "null system call, smp built in"),
];

/// What SMP built in costs a kernel running on one CPU (issue 18: at most 5% more): the bench
/// image built with `smp` as well, booted twice exactly as the plain one (one CPU, `-icount`;
/// both boots must print the same figures), its rows of [`SMP_ROWS`] beside the plain build's
/// (`plain`, the plain image's block). Returns the table to put under the plain block.
fn smp_built_in(root: &Path, board: &qemu::Board, plain: &str) -> Result<String> {
    let mut features = board.bench_features.to_vec();
    features.push("smp");
    let image = qemu::build(root, board, ARM64_BENCH, &features)?;
    let command = qemu::command_line(&qemu::bench_command(board, &image), root);
    let mut blocks = Vec::new();
    for boot in 1..=2 {
        println!("xtask: {} bench with smp built in, boot {boot} of 2: {command}", board.name);
        let mut qemu = qemu::bench_command(board, &image);
        qemu.current_dir(root);
        blocks.push(extract_block(&run_with_limit(qemu, ARM64_BENCH)?)?);
    }
    if blocks[0] != blocks[1] {
        return Err(format!(
            "the two boots of {ARM64_BENCH} with smp built in under -icount printed different figures:\n{}\n---\n{}",
            blocks[0], blocks[1]
        ));
    }
    println!("xtask: both boots with smp built in printed identical figures");
    let (plain, smp) = (table_rows(plain), table_rows(&blocks[0]));
    let figure = |rows: &[(String, f64)], name: &str| {
        rows.iter().find(|(row, _)| row == name).map(|&(_, figure)| figure).ok_or_else(|| format!("{ARM64_BENCH} printed no row `{name}`"))
    };
    let mut md = format!(
        "\n\nSMP built in, one CPU: the same image built with feature `smp` as well (one kernel for up to 8 CPUs; \
         docs/core.md, \"Several CPUs\"), booted the same way (`{command}`; both boots printed the same figures). \
         Issue 18 allows a kernel running on one CPU at most 5% more for SMP built in.\n\n\
         | measurement | instructions | plain build | smp / plain |\n|---|---:|---:|---:|\n"
    );
    for (row, name) in SMP_ROWS {
        let (with_smp, without) = (figure(&smp, row)?, figure(&plain, row)?);
        md.push_str(&format!("| {name} | {with_smp:.1} | {without:.1} | {:.3} |\n", with_smp / without));
    }
    Ok(md.trim_end().to_string())
}

/// The Linux kernel module section: wells.ko in Debian's kernel under QEMU (xtask/src/linux.rs).
fn linux_section(root: &Path) -> Result<String> {
    Ok(crate::linux::render_bench(&crate::linux::bench(root)?))
}

/// The lines the bench image printed between its markers, starting with its table.
pub(crate) fn extract_block(output: &str) -> Result<String> {
    let lines: Vec<&str> = output
        .lines()
        .skip_while(|l| l.trim_end() != BLOCK_START)
        .skip(1)
        .take_while(|l| l.trim_end() != BLOCK_END)
        .map(str::trim_end)
        .collect();
    let header = "| measurement | instructions |";
    if lines.first() != Some(&header) {
        return Err(format!(
            "{ARM64_BENCH} exited 0 but printed no table starting with `{header}` after `{BLOCK_START}`"
        ));
    }
    Ok(lines.join("\n"))
}

/// The figures of a table block by row name.
pub(crate) fn table_rows(block: &str) -> Vec<(String, f64)> {
    block
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            Some((cells.first()?.to_string(), cells.get(1)?.parse().ok()?))
        })
        .collect()
}

/// The supervisor's benchmark as a guest against the same image natively.
fn guest_overhead(native: &BoardBench, guest: &str) -> String {
    let title = native.title;
    let native = table_rows(&native.block);
    let mut md = format!(
        "\n\nThe supervisor's `wells-bench` (feature `user`, the native image) run as a guest of this hypervisor, \
         against the same measurements natively ({title}, above):\n\n\
         | measurement | native | as a guest | guest / native |\n|---|---:|---:|---:|\n",
    );
    for (name, in_guest) in table_rows(guest) {
        if let Some((_, alone)) = native.iter().find(|(n, _)| *n == name) {
            md.push_str(&format!("| {name} | {alone:.1} | {in_guest:.1} | {:.3} |\n", in_guest / alone));
        }
    }
    md
}

/// One board's subsection: how it was measured, its table, the guest's overhead against
/// `native` (a hypervisor's board), its image sizes.
fn render_board(board: &BoardBench, native: Option<&BoardBench>) -> String {
    let mut md = format!("\n### {}\n\n", board.title);
    md.push_str(&format!(
        "- command: `{}`\n- QEMU: {}\n- counter: {}\n- determinism: `cargo xtask bench` boots the image twice \
         and fails unless both boots print exactly the same figures; they did.\n\n",
        board.command,
        command_text(&VIRT_ARM64.facts().qemu, &["--version"]).lines().next().unwrap_or("unknown"),
        board.counter,
    ));
    md.push_str(&board.block);
    if let (Some(guest), Some(native)) = (&board.guest_block, native) {
        md.push_str(&guest_overhead(native, guest));
    }
    md.push_str("\n\nImage size:\n\n| what | text | data | bss |\n|---|---:|---:|---:|\n");
    for (what, (text, data, bss)) in &board.sizes {
        md.push_str(&format!("| {what} | {text} | {data} | {bss} |\n"));
    }
    md
}

fn render_boards(boards: &[BoardBench]) -> String {
    let mut md = String::new();
    md.push_str("\n## wells standalone on QEMU boards (instructions)\n\n");
    md.push_str(
        "Each board's image `wells-bench` (measurements in `images/common/src/bench.rs`) runs under \
         `-icount shift=0,align=off,sleep=off`: QEMU's virtual clock then advances one tick per \
         instruction, and each board's counter (said under its table: the PMU cycle counter where \
         QEMU models one, else a timer read in virtual ns) counts exactly one per \
         instruction. So these figures are **instruction counts**, not time: with the same build \
         and QEMU version they repeat exactly from run to run and machine to machine, and they \
         say nothing about caches, pipelines \
         or memory latency. Each figure is the median of 7 repetitions of a loop of N operations \
         divided by N (one warm-up repetition first, not counted):\n\
         - **kernel thread switch**: two kernel threads of one priority alternating with \
         `yield_now` (10 000 switches per repetition).\n\
         - **semaphore wake + switch**: two threads waking each other through two semaphores, \
         per wake + switch.\n\
         - **port round trip**: a client sends a 16-byte request on one port and waits for the \
         reply on another, a server of the same priority answers; per request + reply.\n\
         - **timer IRQ to woken thread running**: a high-priority thread sleeps until a deadline \
         while a low-priority thread spins storing the counter; the figure is the woken thread's \
         first counter reading after `sleep_ns` returns minus the spinner's last stored value \
         (exception entry, GIC, tick, switch and the sleep call's way out; one sample per \
         repetition, so it includes up to one spinner loop of a few instructions).\n\
         - **switch with N ready threads**: N threads of one priority (8 KiB stacks) all \
         yielding in turn; O(1) selection shows as a flat line.\n\
         - **semaphore wake + switch with an 8-rule decision set**: the same, with a set whose \
         eight rules match no thread, so each wake-up scans them all before the classic fallback: \
         the cost of placing by a decision set.\n\
         - **transaction commit / abort**: one thread running whole transactions (create, join, \
         write 1 or 8 shared objects, vote commit or abort, destroy), per transaction.\n\
         - **null system call**: a user task making 1000 `nop` calls (EL0/USR to the kernel and \
         back), median of 5 runs, reported to the kernel through a port.\n\
         - **IPC call/reply between two user tasks**: two tasks in their own address spaces, a \
         16-byte request and reply through two ports, 500 round trips per run.\n\
         - **smp built in** (arm64 only): the same image built with feature `smp` as well, booted the same \
         way on one CPU; the switch, wake-up and system call beside the plain build's, with their ratio \
         (issue 18 allows 5% more).\n\n\
         Every figure includes the few instructions of the measuring loop itself. Every loop \
         checks what it did (each thread ran once per turn, every reply matched its request); \
         the image exits non-zero if a check fails. `cargo xtask bench --board NAME` (e.g. \
         `qemu-virt-arm32`, `qemu-mps3-an536`) runs one board's image alone the same way and \
         prints its table, writing nothing: to compare two commits.\n\n",
    );
    for board in boards {
        let native = boards.iter().find(|b| Some(b.title) == board.native);
        md.push_str(&render_board(board, native));
    }
    md.push_str(
        "\nBytes, from GNU `size` (it reads these ARM ELF files through its generic \
         `elf64-little`/`elf32-little` targets; `llvm-size` gives the same figures). Release builds for \
         `aarch64-unknown-none-softfloat`, `armv7a-none-eabi`, `armv8r-none-eabihf` (core and alloc built from \
         source) and `thumbv7m-none-eabi`; text includes read-only data. bss includes the boot stack (on arm64 and \
         arm32 with its unmapped guard page, section `.stack`) and on the MPU boards the static stack slots of user \
         tasks; the kernel heap is the RAM after the image and is not counted.\n",
    );
    md
}
