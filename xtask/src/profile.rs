//! `cargo xtask profile [--board NAME] [--smp]`: where the instructions of each benchmarked path
//! go (`--smp`: in the image built with wells-core's `smp` as well, booted on one CPU, to see
//! what several CPUs' support costs a path).
//!
//! Boots the board's bench image built with the `profile` feature (one repetition of a fiftieth
//! of each loop) under `-icount` with QEMU logging every instruction it executes
//! (`-accel tcg,one-insn-per-tb=on -d exec,nochain`, into a FIFO read as it is written). The
//! image calls a mark function around each measured repetition (a window) and prints, before
//! each row, `profile: row <windows> <operations> [<user programs>] <name>`; the instructions
//! of a row's windows, attributed to the functions of the kernel image and of the row's user
//! programs and divided by the row's operations, are its breakdown. Writes docs/profile.md, and
//! each row's executions per instruction address to `target/profile/row-<n>.txt` (to read
//! beside `llvm-objdump -d` of the image when a function's share needs explaining).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};

use crate::qemu::{self, Board};
use crate::Result;

const REPORT: &str = "docs/profile.md";
const BENCH_BIN: &str = "wells-bench";
/// The kernel's and the user library's mark functions, by demangled path.
const MARKS: [&str; 3] = ["wells_board_common::profile::mark", "wells_user::cycles::profile_mark", "wells_bare_guest::bench::profile_mark"];
/// The boards whose bench image builds with feature `smp` (`--smp`).
const SMP_BOARDS: [&str; 2] = ["qemu-virt-arm64", "qemu-virt-arm64-hyper"];
/// Functions below this share of a row's instructions are summed into one line.
const SMALL_SHARE: f64 = 0.01;

/// The boards whose image crates have a `profile` feature.
fn boards() -> [&'static Board; 4] {
    [&qemu::VIRT_ARM64, &crate::hyper::VIRT_ARM64_HYPER, &crate::arm32::VIRT_ARM32, &crate::cortex_m3::MPS2_AN385]
}

/// The report of `board`: docs/profile.md for the default board's, beside it for the others
/// (so profiling one board leaves the default's report in place).
fn report_path(board: &Board, smp: bool) -> String {
    let smp = if smp { "-smp" } else { "" };
    if board.name == qemu::VIRT_ARM64.name && !smp.is_empty() {
        format!("docs/profile{smp}.md")
    } else if board.name == qemu::VIRT_ARM64.name {
        REPORT.to_string()
    } else {
        format!("docs/profile-{}{smp}.md", board.name)
    }
}

pub fn command(root: &Path, args: &[String]) -> Result<()> {
    let smp = args.iter().any(|a| a == "--smp");
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--smp").collect();
    let board = match rest[..] {
        [] => &qemu::VIRT_ARM64,
        [flag, name] if flag == "--board" => {
            let names: Vec<&str> = boards().iter().map(|b| b.name).collect();
            *boards().iter().find(|b| b.name == name).ok_or_else(|| format!("no profile for board `{name}`; boards: {}", names.join(", ")))?
        }
        _ => return Err("usage: cargo xtask profile [--board NAME] [--smp]".into()),
    };
    if smp && !SMP_BOARDS.contains(&board.name) {
        return Err(format!("no SMP build of board `{}`; --smp boards: {}", board.name, SMP_BOARDS.join(", ")));
    }
    let rows = profile(root, board, smp)?;
    let report = render(board, &rows, smp);
    println!("{report}");
    let path = report_path(board, smp);
    std::fs::write(root.join(&path), &report).map_err(|e| format!("cannot write {path}: {e}"))?;
    println!("xtask: wrote {path}");
    Ok(())
}

/// One row's breakdown: instructions per operation by function, largest first.
struct Row {
    name: String,
    per_op: Vec<(String, f64)>,
    total_per_op: f64,
}

/// A row as the image announced it.
struct Announced {
    windows: usize,
    ops: u64,
    programs: Vec<String>,
    name: String,
}

/// Function names by address range, from one or more ELF files.
#[derive(Default)]
struct Symbols {
    /// (start, end, name), sorted by start.
    ranges: Vec<(u64, u64, String)>,
}

impl Symbols {
    fn add_elf(&mut self, path: &Path) -> Result<()> {
        let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file = object::File::parse(&*data).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut ranges = Vec::new();
        for symbol in file.symbols() {
            // Labels of assembly code (vectors, the switch) carry no type or size.
            let code = match symbol.kind() {
                SymbolKind::Text => true,
                SymbolKind::Unknown | SymbolKind::Label => symbol.section_index().and_then(|i| file.section_by_index(i).ok()).is_some_and(|s| s.kind() == SectionKind::Text),
                _ => false,
            };
            let Ok(name) = symbol.name() else { continue };
            // `$x`, `$a`, `$t`, `$d`: the Arm mapping symbols, not functions.
            if !code || name.is_empty() || name.starts_with('$') {
                continue;
            }
            // Thumb functions have bit 0 set in their address.
            let start = symbol.address() & !1;
            ranges.push((start, symbol.size(), format!("{:#}", rustc_demangle::demangle(name))));
        }
        ranges.sort();
        // A label without a size runs to the next symbol.
        for i in 0..ranges.len() {
            let (start, size, ref name) = ranges[i];
            let end = match size {
                0 => ranges.get(i + 1).map_or(start + 4, |next| next.0.max(start + 2)),
                size => start + size,
            };
            self.ranges.push((start, end, name.clone()));
        }
        self.ranges.sort();
        Ok(())
    }

    fn name(&self, pc: u64) -> Option<&str> {
        let i = self.ranges.partition_point(|r| r.0 <= pc).checked_sub(1)?;
        let (_, end, name) = &self.ranges[i];
        (pc < *end).then_some(name.as_str())
    }

    /// Address ranges (start, end) of the functions named `name`.
    fn spans_of(&self, name: &str) -> Vec<(u64, u64)> {
        self.ranges.iter().filter(|r| r.2 == name).map(|r| (r.0, r.1)).collect()
    }
}

fn profile(root: &Path, board: &Board, smp: bool) -> Result<Vec<Row>> {
    let mut features: Vec<&str> = board.bench_features.to_vec();
    features.push("profile");
    if smp {
        features.push("smp");
    }
    let image = qemu::build(root, board, BENCH_BIN, &features)?;
    let user_dirs: Vec<PathBuf> = crate::user_apps::build_for_features(root, board.user_programs, &features)?.into_iter().map(|(_, dir)| dir).collect();

    let mut kernel = Symbols::default();
    kernel.add_elf(&image)?;
    let kernel_marks: Vec<(u64, u64)> = MARKS.iter().flat_map(|m| kernel.spans_of(m)).collect();
    // The programs' marks apart: a program's addresses may be the kernel's too (each task has
    // its own address space), so a mark counts only at its own level.
    let mut marks = Marks { kernel: kernel_marks, programs: Vec::new() };
    // Every user program that has the mark: its windows count too. The Cortex-M3's programs are
    // position-independent, loaded where the kernel puts them, so their link-time addresses
    // name nothing in the log: that board's rows of user tasks are left out.
    let programs_placed = board.name != crate::cortex_m3::MPS2_AN385.name;
    let mut programs: HashMap<String, Symbols> = HashMap::new();
    for dir in user_dirs.iter().filter(|_| programs_placed) {
        // The supervisor's user programs, and the hypervisor's bare guest (its VMs' code).
        for (name, mark) in [("bench-syscall", MARKS[1]), ("bench-ipc-client", MARKS[1]), ("bench-ipc-server", MARKS[1]), ("wells-bare-guest", MARKS[2])] {
            let path = dir.join(name);
            if path.exists() && !programs.contains_key(name) {
                let mut symbols = Symbols::default();
                symbols.add_elf(&path)?;
                marks.programs.extend(symbols.spans_of(mark));
                programs.insert(name.to_string(), symbols);
            }
        }
    }
    if marks.kernel.is_empty() && marks.programs.is_empty() {
        return Err(format!("{}: no mark function (`{}`) in the image or its programs", image.display(), MARKS.join("`, `")));
    }

    let fifo = root.join("target").join("profile.fifo");
    let _ = std::fs::remove_file(&fifo);
    crate::run_status(Command::new("mkfifo").arg(&fifo), &format!("mkfifo {}", fifo.display()))?;
    let mut qemu = qemu::bench_command(board, &image);
    qemu.args(["-accel", "tcg,one-insn-per-tb=on", "-d", "exec,nochain", "-D"]).arg(&fifo);
    println!("xtask: profiling: {}", qemu::command_line(&qemu, root));
    let mut child = qemu.current_dir(root).stdin(Stdio::null()).stdout(Stdio::piped()).spawn().map_err(|e| format!("cannot start QEMU: {e}"))?;
    let stdout = child.stdout.take().ok_or("no QEMU stdout")?;
    let console = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(std::io::Result::ok) {
            println!("{line}");
            lines.push(line);
        }
        lines
    });
    // A hypervisor's guests run code at the addresses of its own: counted apart by level.
    let hypervisor = board.name == crate::hyper::VIRT_ARM64_HYPER.name;
    let program_level = move |flags| if hypervisor { below_el2(flags) } else { mmu_index(flags) == 0 };
    let windows = read_windows(&fifo, &marks, |flags| hypervisor && below_el2(flags), program_level);
    let status = child.wait().map_err(|e| format!("QEMU: {e}"))?;
    let _ = std::fs::remove_file(&fifo);
    let console = console.join().map_err(|_| "console reader panicked")?;
    let windows = windows?;
    if !status.success() {
        return Err(format!("the profile image failed ({status}): see its output above"));
    }

    let announced: Vec<Announced> = console.iter().filter_map(|l| parse_row(l)).filter(|a| programs_placed || a.programs.is_empty()).collect();
    let expected: usize = announced.iter().map(|a| a.windows).sum();
    if expected != windows.len() {
        return Err(format!("the image announced {expected} windows but QEMU's log holds {}", windows.len()));
    }
    let mut rows = Vec::new();
    let mut next = windows.into_iter();
    for row in announced {
        let mut counts: HashMap<String, u64> = HashMap::new();
        let mut addresses: HashMap<u64, u64> = HashMap::new();
        for window in next.by_ref().take(row.windows) {
            for (pc, n) in window {
                *addresses.entry(pc).or_default() += n;
                let name = function_of(&kernel, &programs, &row.programs, pc).unwrap_or_else(|| format!("{:#x} (no symbol)", pc & !GUEST));
                *counts.entry(name).or_default() += n;
            }
        }
        let ops = (row.ops * row.windows as u64) as f64;
        write_addresses(root, rows.len() + 1, &row.name, &addresses, &kernel, &programs, &row.programs)?;
        let mut per_op: Vec<(String, f64)> = counts.into_iter().map(|(name, n)| (name, n as f64 / ops)).collect();
        per_op.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let total_per_op = per_op.iter().map(|p| p.1).sum();
        rows.push(Row { name: row.name, per_op, total_per_op });
    }
    Ok(rows)
}

/// Writes `target/profile/row-<number>.txt`: each address executed in the row's windows, how
/// often, and its function.
fn write_addresses(
    root: &Path,
    number: usize,
    name: &str,
    addresses: &HashMap<u64, u64>,
    kernel: &Symbols,
    programs: &HashMap<String, Symbols>,
    row_programs: &[String],
) -> Result<()> {
    let dir = root.join("target").join("profile");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut sorted: Vec<(&u64, &u64)> = addresses.iter().collect();
    sorted.sort();
    let mut text = format!("# {name}: executions per address\n");
    for (pc, n) in sorted {
        let function = function_of(kernel, programs, row_programs, *pc).unwrap_or_default();
        let level = if pc & GUEST != 0 { " (guest)" } else { "" };
        text.push_str(&format!("{:#x}{level} {n} {function}\n", pc & !GUEST));
    }
    let path = dir.join(format!("row-{number}.txt"));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `profile: row <windows> <ops> [<programs>] <name>`.
fn parse_row(line: &str) -> Option<Announced> {
    let rest = line.trim_end().strip_prefix("profile: row ")?;
    let (windows, rest) = rest.split_once(' ')?;
    let (ops, rest) = rest.split_once(" [")?;
    let (programs, name) = rest.split_once("] ")?;
    Some(Announced {
        windows: windows.parse().ok()?,
        ops: ops.parse().ok()?,
        programs: programs.split_whitespace().map(str::to_string).collect(),
        name: name.to_string(),
    })
}

/// The function of the row's user programs at `pc` ("user: name"; both names when two
/// programs linked at the same address differ there).
fn user_name(programs: &HashMap<String, Symbols>, names: &[String], pc: u64) -> Option<String> {
    let mut found: Vec<&str> = names.iter().filter_map(|n| programs.get(n)?.name(pc)).collect();
    found.dedup();
    (!found.is_empty()).then(|| format!("user: {}", found.join(" | ")))
}

/// Reads QEMU's exec log from `fifo` as it is written: the instructions executed between each
/// odd and even call of a mark function, counted by address.
///
/// User programs are all linked at one address, so a mark's address in one program may hold
/// some other instruction in another: a mark counts only when the instruction after it is not
/// the next in memory (the mark function is a bare return). A hit counted wrongly still shows,
/// as a window count that does not match what the image announced.
/// The address spans of the mark functions: the kernel's, and its programs' (user tasks at EL0
/// or USR, a hypervisor's guests below EL2).
struct Marks {
    kernel: Vec<(u64, u64)>,
    programs: Vec<(u64, u64)>,
}

impl Marks {
    /// The mark starting at `pc`, if code at that level has one there.
    fn at(&self, pc: u64, in_program: bool) -> Option<(u64, u64)> {
        let spans = if in_program { &self.programs } else { &self.kernel };
        spans.iter().find(|span| span.0 == pc).copied()
    }
}

fn read_windows(fifo: &Path, marks: &Marks, guest: impl Fn(u32) -> bool, in_program: impl Fn(u32) -> bool) -> Result<Vec<HashMap<u64, u64>>> {
    let log = std::fs::File::open(fifo).map_err(|e| format!("cannot open {}: {e}", fifo.display()))?;
    let mut windows = Vec::new();
    let mut open: Option<HashMap<u64, u64>> = None;
    // The mark being run: its start, its end, the last address run in it and its level tag.
    let mut at_mark: Option<(u64, u64, u64, u64)> = None;
    let mut line = Vec::new();
    let mut reader = BufReader::with_capacity(1 << 20, log);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("reading QEMU's log: {e}")),
        }
        let Some((pc, flags)) = traced_pc(&line) else { continue };
        let key = if guest(flags) { pc | GUEST } else { pc };
        // A mark opens or closes a window when it returns (one instruction on arm64, three on
        // the Cortex-M3: its frame-pointer push and pop). Running off its end into the next
        // instruction instead means the address was another program's code (user programs
        // share addresses), not a call of the mark.
        if let Some((start, end, previous, tag)) = at_mark {
            let sequential = pc == previous + 2 || pc == previous + 4;
            if sequential && pc > start && pc < end {
                at_mark = Some((start, end, pc, tag));
                if let Some(window) = open.as_mut() {
                    *window.entry(key).or_default() += 1;
                }
                continue;
            }
            at_mark = None;
            if !sequential {
                match open.take() {
                    Some(window) => windows.push(window),
                    None => open = Some(HashMap::new()),
                }
            } else if let Some(window) = open.as_mut() {
                // Not a mark: its first address was an instruction of the window too.
                *window.entry(start | tag).or_default() += 1;
            }
        }
        if let Some((start, end)) = marks.at(pc, in_program(flags)) {
            at_mark = Some((start, end, pc, key & GUEST));
            continue;
        }
        if let Some(window) = open.as_mut() {
            *window.entry(key).or_default() += 1;
        }
    }
    Ok(windows)
}

/// The guest address and TB flags of a `Trace 0: 0x<host> [<cs_base>/<pc>/<flags>/<cflags>] ...`
/// line.
fn traced_pc(line: &[u8]) -> Option<(u64, u32)> {
    if !line.starts_with(b"Trace ") {
        return None;
    }
    let start = line.iter().position(|&b| b == b'[')? + 1;
    let mut fields = line[start..].split(|&b| b == b'/');
    let _cs_base = fields.next()?;
    let pc = u64::from_str_radix(std::str::from_utf8(fields.next()?).ok()?, 16).ok()?;
    let flags = u32::from_str_radix(std::str::from_utf8(fields.next()?).ok()?, 16).ok()?;
    Some((pc, flags))
}

/// Set in a counted address that a guest of the hypervisor ran (below EL2): its VMs' code is
/// linked at the addresses the hypervisor's own has, so the level tells them apart.
const GUEST: u64 = 1 << 63;

/// The MMU index in QEMU's TB flags (bits 4..8 of `TBFLAG_ANY`, AArch64 and AArch32 alike): 0
/// for EL0 / USR code under an EL1 kernel.
fn mmu_index(flags: u32) -> u32 {
    (flags >> 4) & 0xf
}

/// For an arm64 hypervisor board: whether the TB flags say the code ran below EL2 (the MMU
/// index in bits 4..8 of QEMU's `TBFLAG_ANY` is 6 for EL2, 7 for EL3, lower for EL1/EL0).
fn below_el2(flags: u32) -> bool {
    mmu_index(flags) < 6
}

/// The function at counted address `key`: the kernel's first (its programs' when the address
/// is tagged [`GUEST`]), then the row's programs'.
fn function_of(kernel: &Symbols, programs: &HashMap<String, Symbols>, row_programs: &[String], key: u64) -> Option<String> {
    let pc = key & !GUEST;
    if key & GUEST != 0 {
        return user_name(programs, row_programs, pc);
    }
    kernel.name(pc).map(str::to_string).or_else(|| user_name(programs, row_programs, pc))
}

fn render(board: &Board, rows: &[Row], smp: bool) -> String {
    let mut md = String::from("# Where the instructions go\n\n");
    let (flag, built) = if smp { (" --smp", "the `profile` and `smp` features (one kernel for several CPUs, booted on one)") } else { ("", "the `profile` feature") };
    md.push_str(&format!(
        "Written by `cargo xtask profile --board {}{flag}` (do not edit by hand). The bench image built with \
         {built} runs one repetition of a fiftieth of each loop of `cargo xtask bench` while \
         QEMU logs every instruction (`-accel tcg,one-insn-per-tb=on -d exec,nochain`); each row's \
         instructions between the image's profile marks are attributed to the function holding them and \
         divided by the row's operations. The totals differ a little from `docs/benchmarks.md`, which \
         takes the median of seven longer repetitions. Functions under {}% of a row are summed.\n\n",
        board.name,
        SMALL_SHARE * 100.0
    ));
    for row in rows {
        md.push_str(&format!("## {}: {:.1} instructions\n\n| function | instructions per operation |\n|---|---:|\n", row.name, row.total_per_op));
        let mut rest = 0.0;
        for (name, n) in &row.per_op {
            if *n < row.total_per_op * SMALL_SHARE {
                rest += n;
            } else {
                md.push_str(&format!("| `{}` | {n:.1} |\n", shorten(name)));
            }
        }
        if rest > 0.0 {
            md.push_str(&format!("| (smaller ones) | {rest:.1} |\n"));
        }
        md.push('\n');
    }
    md
}

/// A demangled path without the crate-internal noise: `<impl X>` blocks and `{{closure}}`s stay.
fn shorten(name: &str) -> String {
    name.replace("wells_core::", "").replace("wells_board_common::", "").replace("core::", "")
}
