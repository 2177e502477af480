//! The OSEK/VDX OS personality (`openautosar/`): `tools/wells-oil` turns each OIL file into its
//! static tables (Os_Cfg.h, Os_Cfg.c), then the application is compiled with openautosar/src
//! and its port for one of two environments, and run with a time limit:
//! - hosted: gcc, target/release/libwells.a and adapters/posix, a Linux process;
//! - the Cortex-M3 board (`--board qemu-mps2-an385`): arm-none-eabi-gcc, the thumbv7m
//!   libwells.a (`library_arm.rs`) and adapters/mps2-an385 (start-up, host operations), with
//!   Debian's picolibc for the C library, linked with the script boards/mps2-an385.toml gives,
//!   booted on `qemu-system-arm -M mps2-an385` under `-icount`.
//!
//! The conformance tests (`openautosar/tests/*.oil` + `*.c`) each check the order tasks ran in
//! and every service's codes, print `N passed, N failed` and exit 1 when a check failed.
//! `cargo xtask osek [--board qemu-mps2-an385] [--test]` and `cargo xtask run --example osek
//! [--board qemu-mps2-an385]`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::hosted::{self, Toolchain};
use crate::qemu::Boot;
use crate::Result;

/// Each conformance test and the example must end within this (they take well under a second).
const TIME_LIMIT: Duration = Duration::from_secs(60);
const TESTS: &str = "openautosar/tests";
const EXAMPLE: &str = "openautosar/examples/osek";

fn generator(root: &Path) -> PathBuf {
    root.join("target/release/wells-oil")
}

fn build_generator(root: &Path) -> Result<()> {
    crate::cargo(root, &["build", "--release", "-p", "wells-oil"])
}

/// Where one application's generated tables and program go.
fn output_dir(root: &Path, name: &str) -> PathBuf {
    root.join("target/osek").join(name)
}

/// `wells-oil OIL DIR`.
fn generate(root: &Path, oil: &Path, dir: &Path) -> Result<()> {
    let mut command = Command::new(generator(root));
    command.current_dir(root).arg(oil).arg(dir);
    crate::run_status(&mut command, &format!("wells-oil {}", oil.display()))
}

/// Generates the tables of `oil` and compiles `sources` with the OS into target/osek/`name`/`name`.
fn build_app(root: &Path, name: &str, oil: &Path, sources: &[PathBuf]) -> Result<PathBuf> {
    let dir = output_dir(root, name);
    generate(root, oil, &dir)?;
    let relative = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
    // The include folder of this application's Os_Cfg.h: Toolchain takes 'static flags.
    let generated: &'static str = Box::leak(format!("-I{}", relative.display()).into_boxed_str());
    let flags: &'static [&'static str] = Box::leak(vec!["-Iopenautosar/include", "-Iopenautosar/src", generated].into_boxed_slice());
    let toolchain = Toolchain { cflags: flags, ..Toolchain::host(root) };
    let mut all = sources.to_vec();
    all.extend(hosted::c_files(root, "openautosar/src")?);
    all.extend(hosted::c_files(root, "openautosar/port/posix")?);
    all.push(relative.join("Os_Cfg.c"));
    let binary = dir.join(name);
    hosted::compile_with(root, &toolchain, &all, &binary)?;
    Ok(binary)
}

/// The conformance tests: (name, OIL file, C file), one per `openautosar/tests/*.oil`.
fn conformance_tests(root: &Path) -> Result<Vec<(String, PathBuf, PathBuf)>> {
    tests_in(root, TESTS)
}

/// The tests of one folder: (name, OIL file, C file), one per `*.oil`.
fn tests_in(root: &Path, folder: &str) -> Result<Vec<(String, PathBuf, PathBuf)>> {
    let entries = std::fs::read_dir(root.join(folder)).map_err(|e| format!("cannot read {folder}/: {e}"))?;
    let mut tests = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read {folder}/: {e}"))?.path();
        if path.extension().is_some_and(|ext| ext == "oil") {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().to_string();
            let source = Path::new(folder).join(format!("{stem}.c"));
            if !root.join(&source).is_file() {
                return Err(format!("{} has no {}", path.display(), source.display()));
            }
            tests.push((stem.clone(), Path::new(folder).join(format!("{stem}.oil")), source));
        }
    }
    tests.sort();
    if tests.is_empty() {
        return Err(format!("no {folder}/*.oil found"));
    }
    Ok(tests)
}

fn build_example(root: &Path) -> Result<PathBuf> {
    build_app(root, "osek-example", &Path::new(EXAMPLE).join("osek.oil"), &hosted::c_files(root, EXAMPLE)?)
}

/// Runs a conformance test with the time limit, its output passed through; it must exit with
/// 0 and end with a tally line "N passed, 0 failed" (N > 0), so a test that ended early (or
/// never printed its tally) fails even when its status was 0.
fn run_test(root: &Path, binary: &Path) -> Result<()> {
    use std::io::Read;
    println!("xtask: running {} (limit {} s)", binary.display(), TIME_LIMIT.as_secs());
    let mut child = Command::new(binary)
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let status = match crate::child::wait_within(&mut child, TIME_LIMIT) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let text = reader.join().unwrap_or_default();
            print!("{text}");
            return Err(format!("{} timed out after {} s and was killed", binary.display(), TIME_LIMIT.as_secs()));
        }
        Err(e) => return Err(format!("cannot wait for {}: {e}", binary.display())),
    };
    let text = reader.join().unwrap_or_default();
    print!("{text}");
    if !status.success() {
        return Err(format!("{} failed: {}", binary.display(), hosted::describe(status)));
    }
    let tally = text.lines().last().unwrap_or("");
    match tally.split_once(" passed, ") {
        Some((passed, "0 failed")) if passed.parse::<u32>().is_ok_and(|n| n > 0) => Ok(()),
        _ => Err(format!("{} ended without a \"N passed, 0 failed\" tally (last line: {tally:?})", binary.display())),
    }
}

// ---------------------------------------------------------------- the bare-metal boards

/// A board the OSEK layer runs on bare metal: a C adapter under the Arm library, picolibc,
/// QEMU under `-icount`.
pub struct BareBoard {
    /// What `--board` names (also accepted: `description`).
    pub name: &'static str,
    /// Its description in boards/ and its CPU family there.
    description: &'static str,
    cpu: &'static str,
    /// For step names: "the Cortex-M3".
    title: &'static str,
    /// The Rust target of the libwells.a it links (one of `library_arm::LIBRARIES`).
    target: &'static str,
    /// The CPU's flags (before the shared ones) and the adapter's folder.
    cpu_flags: &'static [&'static str],
    adapter: &'static str,
    /// The OSEK layer's port for it.
    port: &'static str,
    /// The second linker script, after the board's: where picolibc's thread-local data goes.
    picolibc_ld: &'static str,
    layout: wells_board::Layout,
    qemu: &'static crate::qemu::Board,
    /// The board's addresses as the adapter's `-D` defines.
    defines: fn(&wells_board::Description) -> Result<Vec<String>>,
    /// Folders of tests of the board's own hardware (interrupt lines, the MPU), built and run on
    /// it only.
    board_tests: &'static [&'static str],
    /// The adapter's own test and the lines it must print.
    adapter_test: Option<(&'static str, &'static [&'static str])>,
    /// A configuration the board's port must refuse when it runs: the test (its `.oil` beside
    /// it), the lines it prints and the exit status it ends with.
    refused_test: Option<(&'static str, &'static [&'static str], i32)>,
}

const GCC: &str = "arm-none-eabi-gcc";
/// The C library is picolibc (Debian's `picolibc-arm-none-eabi`, `setup.rs`): its specs file
/// gives its headers, the CPU's multilib of libc.a and libgcc; `-nostartfiles` leaves its crt0
/// out (each adapter has its vectors and reset), and printf is picolibc's integer variant (no
/// floating-point conversions: nothing here prints one). Warnings are errors, as hosted.
const BARE_CFLAGS: &[&str] = &[
    "--specs=picolibc.specs",
    "-nostartfiles",
    "-DPICOLIBC_INTEGER_PRINTF_SCANF",
    "-O2",
    "-g",
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Iinclude",
    "-Iopenautosar/include",
    "-Iopenautosar/src",
    "-Iopenautosar/tests",
];
/// After the objects: unused sections dropped (picolibc's specs add libc and libgcc, the latter
/// for 64-bit division).
const BARE_LDFLAGS: &[&str] = &["-Wl,--gc-sections", "-Wl,-z,noexecstack", "-Lboards/layout"];

/// The Cortex-M3 of QEMU's mps2-an385: thumbv7m, soft float, runs in place from SSRAM1 with a
/// 4 KiB handler stack (MSP), 16 KiB for main() and wells' idle context (PSP), the rest of RAM
/// the heap.
pub const M3: BareBoard = BareBoard {
    name: "qemu-mps2-an385",
    description: "mps2-an385",
    cpu: "cortex-m3",
    title: "the Cortex-M3",
    target: "thumbv7m-none-eabi",
    cpu_flags: &["-mcpu=cortex-m3", "-mthumb", "-Iadapters/mps2-an385"],
    adapter: "adapters/mps2-an385",
    port: "openautosar/port/mps2-an385",
    picolibc_ld: "adapters/mps2-an385/picolibc.ld",
    layout: wells_board::Layout {
        handler_stack: 4 * wells_board::KIB,
        ..wells_board::Layout::kernel(16 * wells_board::KIB, wells_board::Heap::RestOfRam { ram_size: None })
    },
    qemu: &crate::cortex_m3::MPS2_AN385,
    defines: m3_defines,
    board_tests: &["openautosar/tests/mps2-an385", "openautosar/tests/mpu"],
    adapter_test: Some(("adapters/mps2-an385/tests/preempt.c", &["the 1 ms ticker", " passed, 0 failed"])),
    refused_test: None,
};

fn m3_defines(description: &wells_board::Description) -> Result<Vec<String>> {
    let clock = description.clock.as_ref().ok_or("boards/mps2-an385.toml has no [clock]")?;
    Ok(vec![
        format!("-DWELLS_MPS2_UART_BASE={:#x}", description.console.region.base),
        format!("-DWELLS_MPS2_CLOCK_BASE={:#x}", clock.region.base),
    ])
}

/// The Cortex-R52 of QEMU's mps3-an536: armv8r-none-eabihf, A32 with single-precision VFP
/// (gcc's `fpv5-sp-d16`, the ABI of the Rust target; picolibc's `thumb/v7-r+fp.sp/hard`
/// multilib), loaded into DDR at the board's image address with a 64 KiB boot stack and a
/// 16 MiB heap.
pub const R52: BareBoard = BareBoard {
    name: "qemu-mps3-an536",
    description: "mps3-an536",
    cpu: "cortex-r52",
    title: "the Cortex-R52",
    target: "armv8r-none-eabihf",
    cpu_flags: &["-mcpu=cortex-r52", "-marm", "-mfloat-abi=hard", "-mfpu=fpv5-sp-d16", "-Iadapters/mps3-an536"],
    adapter: "adapters/mps3-an536",
    port: "openautosar/port/mps3-an536",
    picolibc_ld: "adapters/mps3-an536/picolibc.ld",
    layout: wells_board::Layout::kernel(64 * wells_board::KIB, wells_board::Heap::Size(16 * wells_board::MIB)),
    qemu: &crate::cortex_r52::MPS3_AN536,
    defines: r52_defines,
    board_tests: &["openautosar/tests/mpu"],
    adapter_test: Some(("adapters/mps3-an536/tests/preempt.c", &["the 1 ms ticker", " passed, 0 failed"])),
    refused_test: Some(("openautosar/tests/mps3-an536/refuse_small_region.c", &["the R52's MPU needs DATASIZE >= 64"], 3)),
};

fn r52_defines(description: &wells_board::Description) -> Result<Vec<String>> {
    let gic = description.gic.as_ref().ok_or("boards/mps3-an536.toml has no [gic]")?;
    let redistributor = gic.redistributor.as_ref().ok_or("boards/mps3-an536.toml: [gic] has no redistributor")?;
    let timer = description.timer_interrupts.as_ref().ok_or("boards/mps3-an536.toml has no [timer-interrupts]")?;
    Ok(vec![
        format!("-DWELLS_AN536_UART_BASE={:#x}", description.console.region.base),
        format!("-DWELLS_AN536_GICD_BASE={:#x}", gic.distributor.base),
        format!("-DWELLS_AN536_GICR_BASE={:#x}", redistributor.base),
        format!("-DWELLS_AN536_TIMER_IRQ={}", timer.el1_virtual.get_ref()),
    ])
}

/// The bare-metal boards, for `--board`.
const BARE_BOARDS: [&BareBoard; 2] = [&M3, &R52];

fn bare_board(name: &str) -> Option<&'static BareBoard> {
    BARE_BOARDS.into_iter().find(|board| board.name == name || board.description == name)
}

fn bare_output_dir(root: &Path, board: &BareBoard) -> PathBuf {
    root.join("target/osek").join(board.description)
}

/// What a board's program is built with besides its sources: the board's addresses as defines.
struct BareBuild {
    board: &'static BareBoard,
    defines: Vec<String>,
}

/// Builds the board's libwells.a (`library_arm::build`) and wells-oil, reads the board's
/// description and writes its linker script to target/osek/<board>/memory.ld.
fn prepare_bare(root: &Path, board: &'static BareBoard) -> Result<BareBuild> {
    let library = crate::library_arm::LIBRARIES
        .iter()
        .find(|library| library.target == board.target)
        .ok_or(format!("library_arm::LIBRARIES has no {} build", board.target))?;
    crate::library_arm::build(root, library)?;
    build_generator(root)?;
    let boards = root.join("boards");
    let description = wells_board::load(&boards, board.description)?;
    description.cpu(board.cpu)?;
    let defines = (board.defines)(&description)?;
    let script = wells_board::linker_script(&boards, board.description, &board.layout)?;
    let dir = bare_output_dir(root, board);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let memory = dir.join("memory.ld");
    std::fs::write(&memory, script).map_err(|e| format!("cannot write {}: {e}", memory.display()))?;
    Ok(BareBuild { board, defines })
}

/// Generates the tables of `oil` and compiles `sources` with the OS, its port and the adapter
/// into target/osek/<board>/`name`/`name`.elf.
fn build_app_bare(root: &Path, build: &BareBuild, name: &str, oil: &Path, sources: &[PathBuf]) -> Result<PathBuf> {
    let dir = bare_output_dir(root, build.board).join(name);
    generate(root, oil, &dir)?;
    let relative = dir.strip_prefix(root).unwrap_or(&dir).to_path_buf();
    let mut all = sources.to_vec();
    all.extend(hosted::c_files(root, "openautosar/src")?);
    all.extend(hosted::c_files(root, build.board.port)?);
    all.push(relative.join("Os_Cfg.c"));
    let elf = dir.join(format!("{name}.elf"));
    compile_bare(root, build, &relative, &all, &elf)?;
    Ok(elf)
}

/// Compiles `sources` (the first one shown) with the adapter against the board's libwells.a
/// and picolibc into `elf`; `include` is one more include folder.
fn compile_bare(root: &Path, build: &BareBuild, include: &Path, sources: &[PathBuf], elf: &Path) -> Result<()> {
    let board = build.board;
    let mut all = sources.to_vec();
    all.extend(hosted::c_files(root, board.adapter)?);
    if let Some(dir) = elf.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut gcc = Command::new(GCC);
    gcc.current_dir(root)
        .args(board.cpu_flags)
        .args(BARE_CFLAGS)
        .args(&build.defines)
        .arg(format!("-I{}", include.display()))
        .args(&all)
        .arg(crate::library_arm::archive(root, board.target))
        .args(BARE_LDFLAGS)
        .arg("-T")
        .arg(bare_output_dir(root, board).join("memory.ld"))
        .arg("-T")
        .arg(board.picolibc_ld)
        .arg("-o")
        .arg(elf);
    println!("xtask: {GCC} {} -> {}", sources[0].display(), elf.display());
    crate::run_status(&mut gcc, GCC)
}

fn build_example_bare(root: &Path, build: &BareBuild) -> Result<PathBuf> {
    build_app_bare(root, build, "osek-example", &Path::new(EXAMPLE).join("osek.oil"), &hosted::c_files(root, EXAMPLE)?)
}

/// What the example prints when it ran through: five samples filtered, two sensor interrupts,
/// ShutdownOS.
const EXAMPLE_EXPECT: &[&str] = &["Logger   sensor interrupt: last reading 150", "osek example: 5 readings filtered, sum 450", "osek example: shutdown (status 0)"];

/// Boots a program under `-icount` with the time limit of QEMU test boots (`qemu::test_boot`: a
/// bad exit status, a hang or a missing line fails). A conformance test must end with status 0
/// and its tally line; the checks' failures end it with status 1.
fn run_bare(root: &Path, board: &BareBoard, elf: &Path, name: &str, expect: &[&str]) -> Result<()> {
    run_bare_status(root, board, elf, name, expect, 0)
}

/// Boots `elf` under `-icount`: it must print `expect` and end with `status`.
fn run_bare_status(root: &Path, board: &BareBoard, elf: &Path, name: &str, expect: &[&str], status: i32) -> Result<()> {
    let expect: Vec<&'static str> = expect.iter().map(|line| &*Box::leak(line.to_string().into_boxed_str())).collect();
    let boot = Boot {
        name: Box::leak(name.to_string().into_boxed_str()),
        machine: board.qemu.plain_boot.machine,
        cpu: board.qemu.plain_boot.cpu,
        expect: Box::leak(expect.into_boxed_slice()),
        status,
    };
    crate::qemu::test_boot(root, board.qemu, &boot, elf)
}

/// The board's steps: the adapter's own test, every conformance test, the board's own tests and
/// the example, each built and booted.
fn bare_tests(root: &Path, board: &'static BareBoard) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    let title = board.title;
    let build = prepare_bare(root, board);
    let not_ready = || build.as_ref().err().map(|e| Err(format!("not run: {e}")));
    if let Some((test, expect)) = board.adapter_test {
        let result = not_ready().unwrap_or_else(|| {
            let build = build.as_ref().expect("checked by not_ready");
            let elf = bare_output_dir(root, board).join("adapter-test/adapter-test.elf");
            compile_bare(root, build, Path::new(board.adapter), &[PathBuf::from(test)], &elf)
                .and_then(|()| run_bare(root, board, &elf, &format!("{} test", board.adapter), expect))
        });
        results.push((format!("{test} on {title}: preempted threads keep every register, sleeps last their time"), result));
    }
    let machine = board.qemu.plain_boot.machine;
    let mut run_all = |tests: Result<Vec<(String, PathBuf, PathBuf)>>, what: &str| match tests {
        Ok(tests) => {
            for (name, oil, source) in tests {
                let step = format!("OSEK {what} {} on {title} (qemu-system-arm -M {machine}, -icount)", source.display());
                let result = not_ready().unwrap_or_else(|| {
                    let build = build.as_ref().expect("checked by not_ready");
                    build_app_bare(root, build, &name, &oil, std::slice::from_ref(&source))
                        .and_then(|elf| run_bare(root, board, &elf, &step, &[" passed, 0 failed"]))
                });
                results.push((step, result));
            }
        }
        Err(message) => results.push((format!("OSEK {what}s on {title}"), Err(message))),
    };
    run_all(conformance_tests(root), "conformance test");
    for folder in board.board_tests {
        run_all(tests_in(root, folder), "test of the board's own hardware");
    }
    if let Some((test, expect, status)) = board.refused_test {
        let step = format!("OSEK refused configuration {test} on {title}: ends with status {status}");
        let result = not_ready().unwrap_or_else(|| {
            let build = build.as_ref().expect("checked by not_ready");
            let source = PathBuf::from(test);
            let oil = source.with_extension("oil");
            let name = source.file_stem().and_then(|n| n.to_str()).unwrap_or("refused").to_string();
            build_app_bare(root, build, &name, &oil, std::slice::from_ref(&source))
                .and_then(|elf| run_bare_status(root, board, &elf, &step, expect, status))
        });
        results.push((step, result));
    }
    let step = format!("OSEK example {EXAMPLE} on {title} (qemu-system-arm -M {machine}, -icount)");
    let example = not_ready().unwrap_or_else(|| {
        let build = build.as_ref().expect("checked by not_ready");
        build_example_bare(root, build).and_then(|elf| run_bare(root, board, &elf, &step, EXAMPLE_EXPECT))
    });
    results.push((step, example));
    results
}

// ---------------------------------------------------------------- the bench on the Cortex-M3

/// The OSEK bench program (`openautosar/bench/`): five paths in instructions under `-icount`.
const BENCH_DIR: &str = "openautosar/bench";
const BENCH_NAME: &str = "osek_bench";

/// The OSEK rows of `cargo xtask bench`: the bench's table block and its QEMU command line.
pub struct OsekBench {
    pub command: String,
    pub block: String,
    pub runs: String,
}

/// Builds the OSEK bench for the Cortex-M3 and boots it twice under `-icount`; the two boots
/// must print the same figures.
pub fn bench_m3(root: &Path) -> Result<OsekBench> {
    let build = prepare_bare(root, &M3)?;
    let oil = Path::new(BENCH_DIR).join(format!("{BENCH_NAME}.oil"));
    let source = Path::new(BENCH_DIR).join(format!("{BENCH_NAME}.c"));
    let elf = build_app_bare(root, &build, BENCH_NAME, &oil, &[source])?;
    let board = &crate::cortex_m3::MPS2_AN385;
    let command = crate::qemu::command_line(&crate::qemu::bench_command(board, &elf), root);
    let mut outputs = Vec::new();
    for boot in 1..=2 {
        println!("xtask: OSEK bench on the Cortex-M3, boot {boot} of 2: {command}");
        let mut qemu = crate::qemu::bench_command(board, &elf);
        qemu.current_dir(root);
        outputs.push(crate::bench::run_with_limit(qemu, BENCH_NAME)?);
    }
    let blocks = outputs.iter().map(|output| crate::bench::extract_block(output)).collect::<Result<Vec<_>>>()?;
    if blocks[0] != blocks[1] {
        return Err(format!("the two boots of {BENCH_NAME} under -icount printed different figures:\n{}\n---\n{}", blocks[0], blocks[1]));
    }
    println!("xtask: both boots printed identical figures");
    let runs = outputs[0].lines().skip_while(|l| !l.starts_with("all runs")).skip(1).filter(|l| l.starts_with("- ")).map(|l| format!("{l}\n")).collect();
    Ok(OsekBench { command, block: blocks[0].clone(), runs })
}

/// The heading of the OSEK section in docs/benchmarks.md.
pub const BENCH_SECTION: &str = "## OSEK/VDX OS on the Cortex-M3 (instructions)";
/// The aim for each OSEK row.
const BENCH_AIM: u32 = 300;

/// The OSEK section of docs/benchmarks.md: the table with the aim beside each row.
pub fn render_bench(bench: &OsekBench) -> String {
    let mut md = format!("\n{BENCH_SECTION}\n\n");
    md.push_str(
        "The OSEK layer (`openautosar/`) over the thumbv7m `libwells.a` on the bare-metal adapter \
         `adapters/mps2-an385`, measured by `openautosar/bench/osek_bench.c` (its OIL file beside it) under \
         `-icount shift=0,align=off,sleep=off`: the board's clock counts virtual ns, one per instruction, in steps \
         of 40. Median of 7 repetitions after a warm-up:\n\
         - **ActivateTask + TerminateTask**: the driver task activates a higher-priority basic task that at once \
         terminates; per round trip, over 200.\n\
         - **SetEvent to the waiting task running**: from the driver's clock reading just before `SetEvent` to \
         the higher-priority extended task's first reading after its `WaitEvent` returns; 200 samples summed.\n\
         - **GetResource + ReleaseResource**: one pair of a resource whose ceiling is above the driver; per pair, \
         over 200.\n\
         - **alarm expiry to the task running**: an alarm of the hardware counter (a wells timer ticked by \
         SysTick) activates a higher-priority task while the driver spins storing the clock; the task's first \
         reading minus the driver's last stored one (SysTick's interrupt, the injected thread-mode call, \
         `wells_tick`, the counter's interrupt thread, the alarm, the preemption). One sample per repetition.\n\
         - **schedule table expiry point to the task running**: the same, with a single-shot schedule table \
         (started relative 1, one expiry point at offset 0) activating the task instead of the alarm.\n\n\
         Each task is a wells thread and the layer hands the CPU over with wells semaphores \
         (`openautosar/README.md`, \"How it maps onto wells\"), so a task switch costs two wells semaphore \
         operations and a wells thread switch on the joining port; where the instructions go is said in \
         `openautosar/README.md` (\"Performance\").\n\n",
    );
    md.push_str(&format!(
        "- command: `cargo xtask osek --board qemu-mps2-an385 --bench` (part of `cargo xtask bench`), which boots \
         `{}` twice and fails unless both boots print the same figures; they did.\n\n",
        bench.command
    ));
    md.push_str("| measurement | instructions | aim |\n|---|---:|---:|\n");
    for (name, value) in crate::bench::table_rows(&bench.block) {
        md.push_str(&format!("| {name} | {value:.1} | {BENCH_AIM} |\n"));
    }
    md.push_str("\nAll runs (instructions per operation x 10, in the order measured):\n\n");
    md.push_str(&bench.runs);
    md
}

// ---------------------------------------------------------------- steps and commands

/// Test steps: the generator's unit tests, every conformance test and the example hosted,
/// then the same on the Cortex-M3 board. Each runs even when another failed; the library or
/// generator not building fails the steps that need them.
pub fn tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = vec![generator_tests(root)];
    results.extend(hosted_tests(root));
    for board in BARE_BOARDS {
        results.extend(bare_tests(root, board));
    }
    results
}

fn generator_tests(root: &Path) -> (String, Result<()>) {
    ("cargo test -p wells-oil (OIL parser: errors and tolerances)".to_string(), crate::cargo(root, &["test", "-p", "wells-oil"]))
}

/// The hosted steps: every conformance test, the example.
fn hosted_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    let ready = hosted::build_library(root).and_then(|()| build_generator(root));
    let not_ready = || ready.as_ref().err().map(|e| Err(format!("not run: {e}")));
    match conformance_tests(root) {
        Ok(tests) => {
            for (name, oil, source) in tests {
                let result = not_ready().unwrap_or_else(|| {
                    build_app(root, &name, &oil, std::slice::from_ref(&source)).and_then(|binary| run_test(root, &binary))
                });
                results.push((format!("OSEK conformance test {} ({})", source.display(), oil.display()), result));
            }
        }
        Err(message) => results.push(("OSEK conformance tests".to_string(), Err(message))),
    }
    let example = not_ready()
        .unwrap_or_else(|| build_example(root).and_then(|binary| hosted::run_with_limit(root, &binary, &[], TIME_LIMIT)));
    results.push((format!("OSEK example {EXAMPLE} (hosted)"), example));
    results
}

/// `cargo xtask run --example osek [--board qemu-mps2-an385|qemu-mps3-an536]`: builds the
/// example and runs it on this terminal, in a Linux process (`board` None or "hosted") or on a
/// bare-metal board.
pub fn run_example(root: &Path, board: Option<&str>) -> Result<u8> {
    match board {
        None | Some("hosted") => {}
        Some(name) => match bare_board(name) {
            Some(board) => return run_example_bare(root, board),
            None => return Err(format!("`--example osek` runs hosted or on --board {BOARD_NAMES}, not on `{name}`")),
        },
    }
    hosted::build_library(root)?;
    build_generator(root)?;
    let binary = build_example(root)?;
    println!("xtask: running {}", binary.display());
    let status = Command::new(&binary)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    match status.code() {
        Some(code) => Ok(code.clamp(0, 255) as u8),
        None => Err(format!("{} {}", binary.display(), hosted::describe(status))),
    }
}

/// The bare-metal boards' names, for messages.
pub const BOARD_NAMES: &str = "qemu-mps2-an385 or qemu-mps3-an536";

fn run_example_bare(root: &Path, board: &'static BareBoard) -> Result<u8> {
    let build = prepare_bare(root, board)?;
    let elf = build_example_bare(root, &build)?;
    let board = board.qemu;
    let qemu = crate::qemu::qemu_command_with(board, &board.plain_boot, &elf, crate::qemu::ICOUNT);
    println!("xtask: {}", crate::qemu::command_line(&qemu, root));
    crate::qemu::interactive(root, board, qemu)
}

/// `cargo xtask osek [--board hosted|qemu-mps2-an385] [--test]`: builds the example and every
/// conformance test for the board (hosted by default); with `--test` runs them (the suite's
/// steps for that board). A PASS/FAIL tally.
pub fn command(root: &Path, rest: &[String]) -> Result<u8> {
    const USAGE: &str = "usage: cargo xtask osek [--board hosted|qemu-mps2-an385|qemu-mps3-an536] [--test | --bench]";
    let (mut run_tests, mut bare, mut bench) = (false, None, false);
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--test" => run_tests = true,
            "--bench" => bench = true,
            "--board" => match args.next().map(String::as_str) {
                Some("hosted") => bare = None,
                Some(name) => match bare_board(name) {
                    Some(board) => bare = Some(board),
                    None => return Err(format!("unknown board `{name}` for `osek` ({USAGE})")),
                },
                None => return Err(format!("`--board` needs a value ({USAGE})")),
            },
            other => return Err(format!("bad argument for `osek`: {other} ({USAGE})")),
        }
    }
    crate::setup::run(root)?;
    if bench {
        if bare.map(|board| board.name) != Some(M3.name) || run_tests {
            return Err(format!("`--bench` runs on --board {} only, without --test ({USAGE})", M3.name));
        }
        let section = render_bench(&bench_m3(root)?);
        println!("{section}");
        crate::bench::replace_report_section(root, BENCH_SECTION, &section)?;
        return Ok(0);
    }
    let mut summary = crate::summary::Summary::new("xtask osek");
    if run_tests {
        let mut steps = vec![generator_tests(root)];
        steps.extend(match bare {
            Some(board) => bare_tests(root, board),
            None => hosted_tests(root),
        });
        for (name, result) in steps {
            summary.record(&name, result);
        }
    } else if let Some(board) = bare {
        let build = prepare_bare(root, board);
        let title = board.title;
        summary.record(
            &format!("libwells.a for {}, tools/wells-oil, boards/{}.toml", board.target, board.description),
            build.as_ref().map(|_| ()).map_err(Clone::clone),
        );
        if let Ok(build) = &build {
            summary.record(&format!("build {EXAMPLE} for {title}"), build_example_bare(root, build).map(|_| ()));
            match conformance_tests(root).and_then(|mut tests| {
                for folder in board.board_tests {
                    tests.extend(tests_in(root, folder)?);
                }
                Ok(tests)
            }) {
                Ok(tests) => {
                    for (name, oil, source) in tests {
                        let result = build_app_bare(root, build, &name, &oil, std::slice::from_ref(&source)).map(|_| ());
                        summary.record(&format!("build {} for {title}", source.display()), result);
                    }
                }
                Err(message) => summary.record("OSEK conformance tests", Err(message)),
            }
        }
    } else {
        let ready = hosted::build_library(root).and_then(|()| build_generator(root));
        let ok = ready.is_ok();
        summary.record("libwells.a and tools/wells-oil", ready);
        if ok {
            summary.record(&format!("build {EXAMPLE}"), build_example(root).map(|_| ()));
            match conformance_tests(root) {
                Ok(tests) => {
                    for (name, oil, source) in tests {
                        let result = build_app(root, &name, &oil, std::slice::from_ref(&source)).map(|_| ());
                        summary.record(&format!("build {}", source.display()), result);
                    }
                }
                Err(message) => summary.record("OSEK conformance tests", Err(message)),
            }
        }
    }
    Ok(if summary.finish() { 0 } else { 1 })
}
