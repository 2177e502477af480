//! wells.ko, wells as a Linux kernel module: build it against Debian's headers, boot Debian's
//! kernel in QEMU (TCG) with a busybox initramfs that drives the scenario, judge the log.
//!
//! Build (`cargo xtask linux-module [--kdir DIR]`): libwells.a for `x86_64-unknown-none` with
//! `-Zbuild-std=core,alloc` and the kernel's mitigation flags (RUSTC_BOOTSTRAP=1 for this
//! build only, own target dir `target/linux-module/cargo`), then Kbuild in
//! `target/linux-module/build/`, a copy of `linux-module/`, `adapters/linux/` and `wells.h`
//! (the source tree is never written). Kbuild turns the archive into one object (`ld -r`
//! rooted at every exported `wells_*` symbol, objcopy, objtool): see `linux-module/Kbuild`.
//!
//! Test: the initramfs holds busybox, wells.ko and `linux-module/test/init`; QEMU boots the
//! kernel of `linux-image-amd64` with a time limit. A run fails on a wrong verdict, any
//! oops/BUG/WARNING/panic/lockup line, an unload that reports live allocations or an armed
//! timer, a missing unload report, or a hang.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

const OUT: &str = "target/linux-module";
const RUST_TARGET: &str = "x86_64-unknown-none";
/// Flags that make a Rust staticlib load into Debian's 6.1 kernel (docs/linux-module.md).
const RUSTFLAGS: &str = "-C relocation-model=static -Zplt=yes -Zretpoline-external-thunk \
     -Zfunction-return=thunk-extern -Zindirect-branch-cs-prefix \
     -Ctarget-feature=+harden-sls-ret,+harden-sls-ijmp -Cjump-tables=no";
/// QEMU time limit for one boot (TCG; the test scenario takes about a minute).
const TIME_LIMIT: Duration = Duration::from_secs(180);
const BUSYBOX: &str = "/bin/busybox";

/// Lines that mean the kernel found something wrong.
const BAD_PATTERNS: &[&str] = &[
    "Oops",
    "BUG:",
    "WARNING:",
    "Call Trace:",
    "general protection fault",
    "Kernel panic",
    "soft lockup",
    "hard LOCKUP",
    "rcu_sched self-detected stall",
    "rcu: INFO:",
    "blocked for more than",
    "wells panic",
    "leaked at shutdown",
    "did not stop in time",
    "cannot create all of /proc/wells",
    "Unknown rela relocation",
    "Unknown symbol",
    "disagrees about version",
];

/// `cargo xtask linux-module [--kdir DIR]`: builds wells.ko and says where it is.
pub fn command(root: &Path, rest: &[String]) -> Result<u8> {
    let kdir = match rest {
        [] => None,
        [flag, dir] if flag == "--kdir" => Some(PathBuf::from(dir)),
        [flag] if flag == "--test" => {
            // Only the Linux steps of `cargo xtask test`.
            crate::setup::run(root)?;
            let steps = tests(root);
            let mut failed = 0;
            for (name, result) in &steps {
                match result {
                    Ok(()) => println!("xtask linux-module: PASS {name}"),
                    Err(e) => {
                        failed += 1;
                        println!("xtask linux-module: FAIL {name}: {e}")
                    }
                }
            }
            return Ok(if failed == 0 { 0 } else { 1 });
        }
        [flag] if flag == "--bench" => {
            // Only the Linux part of `cargo xtask bench`: replaces that section of the report.
            crate::setup::run(root)?;
            let section = render_bench(&bench(root)?);
            print!("{section}");
            replace_report_section(root, &section)?;
            return Ok(0);
        }
        _ => {
            return Err(format!(
                "usage: cargo xtask linux-module [--kdir DIR | --test | --bench]; got `{}`",
                rest.join(" ")
            ))
        }
    };
    crate::setup::run(root)?;
    let kdir = match kdir {
        Some(dir) => dir,
        None => debian_kernel()?.headers,
    };
    let ko = build(root, &kdir)?;
    println!("xtask: built {} (against {})", ko.display(), kdir.display());
    println!("load it with: sudo insmod {}   (files appear in /proc/wells/)", ko.display());
    Ok(0)
}

/// The Debian kernel image and its headers (the newest version that has both).
pub struct DebianKernel {
    pub version: String,
    pub image: PathBuf,
    pub headers: PathBuf,
}

pub fn debian_kernel() -> Result<DebianKernel> {
    let mut versions: Vec<String> = std::fs::read_dir("/boot")
        .map_err(|e| format!("cannot read /boot: {e}"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("vmlinuz-")).map(str::to_string))
        .filter(|v| Path::new(&format!("/usr/src/linux-headers-{v}/Makefile")).exists())
        .collect();
    versions.sort();
    let Some(version) = versions.pop() else {
        return Err("no /boot/vmlinuz-<v> with matching /usr/src/linux-headers-<v>: run `cargo xtask setup` \
                    (installs linux-image-amd64 and linux-headers-amd64)"
            .to_string());
    };
    Ok(DebianKernel {
        image: PathBuf::from(format!("/boot/vmlinuz-{version}")),
        headers: PathBuf::from(format!("/usr/src/linux-headers-{version}")),
        version,
    })
}

/// Builds libwells.a for the kernel, then wells.ko with Kbuild; returns the .ko path.
pub fn build(root: &Path, kdir: &Path) -> Result<PathBuf> {
    let out = root.join(OUT);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut rust = Command::new(cargo);
    rust.args(["build", "--release", "-p", "wells-ffi", "--features", "linux-kernel", "--target", RUST_TARGET, "-Zbuild-std=core,alloc"])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", out.join("cargo"))
        .env("RUSTFLAGS", RUSTFLAGS)
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    crate::run_status(&mut rust, "cargo build -p wells-ffi for x86_64-unknown-none (kernel flags)")?;
    let archive = out.join("cargo").join(RUST_TARGET).join("release/libwells.a");

    let build = out.join("build");
    std::fs::create_dir_all(build.join("shim")).map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
    for dir in ["linux-module", "adapters/linux"] {
        for entry in std::fs::read_dir(root.join(dir)).map_err(|e| format!("cannot read {dir}: {e}"))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".c") || name.ends_with(".h") || name == "Kbuild" || name == "Makefile" {
                files.push((path, build.join(&name)));
            }
        }
    }
    for entry in std::fs::read_dir(root.join("linux-module/shim")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        files.push((path.clone(), build.join("shim").join(path.file_name().unwrap())));
    }
    files.push((root.join("include/wells.h"), build.join("wells.h")));
    files.push((archive.clone(), build.join("libwells.a")));
    for (from, to) in &files {
        copy_if_changed(from, to)?;
    }
    let roots = exported_symbols(&archive)?;
    write_if_changed(&build.join("wells_roots.txt"), &(roots.join("\n") + "\n"))?;

    let mut make = Command::new("make");
    make.arg("-C").arg(kdir).arg(format!("M={}", build.display())).arg("modules");
    crate::run_status(&mut make, &format!("make -C {} M={} modules", kdir.display(), build.display()))?;
    let ko = build.join("wells.ko");
    if !ko.exists() {
        return Err(format!("Kbuild finished but {} is missing", ko.display()));
    }
    Ok(ko)
}

/// Every global `wells_*` symbol the archive defines: the roots of the `ld -r` link.
fn exported_symbols(archive: &Path) -> Result<Vec<String>> {
    // readelf, not nm: GNU nm may print "LLVM ERROR" on these objects.
    let out = Command::new("readelf")
        .arg("-sW")
        .arg(archive)
        .output()
        .map_err(|e| format!("cannot run readelf: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut symbols: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // Num: Value Size Type Bind Vis Ndx Name
            (f.len() >= 8 && f[4] == "GLOBAL" && f[6] != "UND" && f[7].starts_with("wells_")).then(|| f[7].to_string())
        })
        .collect();
    symbols.sort();
    symbols.dedup();
    if !symbols.iter().any(|s| s == "wells_init") {
        return Err(format!("{} exports no wells_init", archive.display()));
    }
    Ok(symbols)
}

fn copy_if_changed(from: &Path, to: &Path) -> Result<()> {
    let data = std::fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if std::fs::read(to).ok().as_deref() == Some(&data[..]) {
        return Ok(());
    }
    std::fs::write(to, data).map_err(|e| format!("cannot write {}: {e}", to.display()))
}

fn write_if_changed(to: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(to).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(to, text).map_err(|e| format!("cannot write {}: {e}", to.display()))
}

// ---------------------------------------------------------------- initramfs (cpio newc)

struct Cpio {
    data: Vec<u8>,
    ino: u32,
}

impl Cpio {
    fn new() -> Cpio {
        Cpio { data: Vec::new(), ino: 1 }
    }

    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), body: &[u8]) {
        let header = format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            self.ino,
            mode,
            0,
            0,
            1,
            0,
            body.len(),
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() + 1,
            0
        );
        self.ino += 1;
        self.data.extend_from_slice(header.as_bytes());
        self.data.extend_from_slice(name.as_bytes());
        self.data.push(0);
        self.pad();
        self.data.extend_from_slice(body);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.data.len().is_multiple_of(4) {
            self.data.push(0);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.data
    }
}

/// busybox, the module and the init script, plus /dev/console so init has a console.
fn initramfs(root: &Path, ko: &Path, dest: &Path) -> Result<()> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let mut cpio = Cpio::new();
    for dir in ["bin", "dev", "proc", "sys", "tmp"] {
        cpio.entry(dir, 0o040755, (0, 0), &[]);
    }
    cpio.entry("dev/console", 0o020600, (5, 1), &[]);
    cpio.entry("bin/busybox", 0o100755, (0, 0), &read(Path::new(BUSYBOX))?);
    cpio.entry("bin/sh", 0o120777, (0, 0), b"busybox"); // for the #! line of /init
    cpio.entry("init", 0o100755, (0, 0), &read(&root.join("linux-module/test/init"))?);
    cpio.entry("wells.ko", 0o100644, (0, 0), &read(ko)?);
    std::fs::write(dest, cpio.finish()).map_err(|e| format!("cannot write {}: {e}", dest.display()))
}

// ---------------------------------------------------------------- booting

/// What one boot printed, and how long it took.
pub struct Boot {
    pub log: String,
    pub seconds: f64,
}

/// Boots the Debian kernel with the initramfs and the given scenario; the log also goes to
/// `target/linux-module/<scenario>.log`. Only wells lines are echoed.
fn boot(root: &Path, kernel: &DebianKernel, initrd: &Path, scenario: &str) -> Result<Boot> {
    let append = format!("console=ttyS0 panic=-1 quiet wells.scenario={scenario}");
    let mut qemu = Command::new("qemu-system-x86_64");
    // Under -icount the guest's clock follows its instructions, so the module's timing checks
    // give the same verdict on an idle and on a loaded host.
    qemu.args(["-M", "q35", "-cpu", "max", "-smp", "2", "-m", "512", "-nographic", "-no-reboot", "-nic", "none"])
        .args(["-icount", "shift=0,align=off,sleep=off"])
        .arg("-kernel")
        .arg(&kernel.image)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(&append)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    println!(
        "xtask: booting Debian {} in qemu-system-x86_64 (TCG), scenario {scenario}, limit {} s",
        kernel.version,
        TIME_LIMIT.as_secs()
    );
    let start = Instant::now();
    let mut child = qemu.spawn().map_err(|e| format!("cannot start qemu-system-x86_64: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut kept = String::new();
        let mut bytes = BufReader::new(stdout);
        let mut line = Vec::new();
        while let Ok(n) = bytes.read_until(b'\n', &mut line) {
            if n == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line).replace('\r', "");
            if text.contains("WELLS") || text.contains("wells") || BAD_PATTERNS.iter().any(|p| text.contains(p)) {
                print!("  | {text}");
            }
            kept.push_str(&text);
            line.clear();
        }
        kept
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut timed_out = false;
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = reader.join().unwrap_or_default();
    let errors = err_reader.join().unwrap_or_default();
    let seconds = start.elapsed().as_secs_f64();
    let path = root.join(OUT).join(format!("{scenario}.log"));
    let _ = std::fs::write(&path, &log);
    if timed_out {
        return Err(format!(
            "no end within {} s (hang); log in {}",
            TIME_LIMIT.as_secs(),
            path.display()
        ));
    }
    if !errors.trim().is_empty() {
        println!("xtask: qemu said: {}", errors.trim());
    }
    println!("xtask: boot took {seconds:.1} s; log in {}", path.display());
    Ok(Boot { log, seconds })
}

/// Judges a log: the verdict line, the unload reports (`loads` of them) and no bad line.
pub fn check(log: &str, loads: usize) -> Result<()> {
    let mut problems = Vec::new();
    for line in log.lines() {
        if let Some(p) = BAD_PATTERNS.iter().find(|p| line.contains(*p)) {
            problems.push(format!("kernel log has `{p}`: {}", line.trim()));
        }
        if line.contains("WELLS-TEST: FAIL") {
            problems.push(line.trim().to_string());
        }
    }
    let unloads: Vec<&str> = log.lines().filter(|l| l.contains("wells: unloaded:")).collect();
    for line in &unloads {
        if !line.contains("live allocations 0,") {
            problems.push(format!("allocations still live at unload: {}", line.trim()));
        }
        if !line.contains("timer armed no") {
            problems.push(format!("timer still armed at unload: {}", line.trim()));
        }
    }
    if unloads.len() != loads {
        problems.push(format!("expected {loads} unload reports, found {}", unloads.len()));
    }
    let runs_ok = log.lines().filter(|l| l.contains("wells: unload: wells_run ok ")).count();
    if runs_ok != loads {
        problems.push(format!("wells_run ended cleanly in {runs_ok} of {loads} unloads"));
    }
    if !log.contains("WELLS-TEST: VERDICT PASS") {
        problems.push(if log.contains("WELLS-TEST: VERDICT FAIL") {
            "the init script's verdict is FAIL".to_string()
        } else {
            "no verdict line from the init script".to_string()
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.truncate(8);
        Err(problems.join("; "))
    }
}

/// Everything up to a bootable initramfs: packages, kernel, module.
fn prepare(root: &Path) -> Result<(DebianKernel, PathBuf)> {
    let kernel = debian_kernel()?;
    let ko = build(root, &kernel.headers)?;
    let initrd = root.join(OUT).join("initramfs.cpio");
    initramfs(root, &ko, &initrd)?;
    Ok((kernel, initrd))
}

/// `cargo xtask test` steps: build, the scenario (two load/work/unload cycles), and the check
/// that a leaked allocation is caught.
pub fn tests(root: &Path) -> Vec<(String, Result<()>)> {
    let mut steps = Vec::new();
    let prepared = prepare(root);
    let (kernel, initrd) = match prepared {
        Ok(p) => {
            steps.push(("linux module: build wells.ko against Debian's headers".to_string(), Ok(())));
            p
        }
        Err(e) => {
            steps.push(("linux module: build wells.ko against Debian's headers".to_string(), Err(e)));
            return steps;
        }
    };
    let scenario = boot(root, &kernel, &initrd, "test").and_then(|b| {
        check(&b.log, 2)?;
        println!("xtask: linux scenario passed in {:.1} s", b.seconds);
        Ok(())
    });
    steps.push((
        "linux module in QEMU: load, self-test, demo, state table, -EINVAL, unload, reload, unload".to_string(),
        scenario,
    ));
    let leak = boot(root, &kernel, &initrd, "leak").and_then(|b| match check(&b.log, 1) {
        Err(e) if e.contains("allocations still live at unload") && e.contains("live allocations 1,") => {
            println!("xtask: the leaked allocation was caught: {e}");
            Ok(())
        }
        Err(e) => Err(format!("leak scenario failed for another reason: {e}")),
        Ok(()) => Err("a module that leaks one allocation passed the check".to_string()),
    });
    steps.push(("linux module in QEMU: a leaked allocation fails the check".to_string(), leak));
    steps
}

/// Figures from the bench scenario.
pub struct Bench {
    pub kernel: String,
    pub figures: Vec<(String, u64)>,
    pub seconds: f64,
}

/// `cargo xtask bench` part: boots the bench scenario and reads /proc/wells/bench.
pub fn bench(root: &Path) -> Result<Bench> {
    let (kernel, initrd) = prepare(root)?;
    let b = boot(root, &kernel, &initrd, "bench")?;
    check(&b.log, 1)?;
    // Three rounds in the one boot; each figure is the median of its three values.
    let mut rounds: Vec<Vec<(String, u64)>> = Vec::new();
    let mut inside = false;
    for line in b.log.lines() {
        if line.contains("WELLS-BENCH-BEGIN") {
            rounds.push(Vec::new());
            inside = true;
        } else if line.contains("WELLS-BENCH-END") {
            inside = false;
        } else if let Some(round) = rounds.last_mut().filter(|_| inside) {
            let mut f = line.split_whitespace();
            if let (Some(name), Some(Ok(value))) = (f.next(), f.next().map(str::parse::<u64>)) {
                if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    round.push((name.to_string(), value));
                }
            }
        }
    }
    if rounds.len() != 3 || rounds.iter().any(|r| r.len() != 5) {
        return Err(format!("expected 3 bench rounds of 5 figures, got {:?}", rounds));
    }
    let figures: Vec<(String, u64)> = rounds[0]
        .iter()
        .map(|(name, _)| {
            let mut values: Vec<u64> =
                rounds.iter().filter_map(|r| r.iter().find(|(n, _)| n == name).map(|(_, v)| *v)).collect();
            values.sort();
            (name.clone(), values[values.len() / 2])
        })
        .collect();
    Ok(Bench { kernel: kernel.version, figures, seconds: b.seconds })
}

const REPORT: &str = "docs/benchmarks.md";
const SECTION_TITLE: &str = "## Linux kernel module:";

/// Puts `section` in place of the report's Linux section (up to the next `## ` heading), or
/// at its end.
fn replace_report_section(root: &Path, section: &str) -> Result<()> {
    let path = root.join(REPORT);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match text.find(SECTION_TITLE) {
        Some(start) => {
            let after = start + SECTION_TITLE.len();
            let end = text[after..].find("\n## ").map_or(text.len(), |i| after + i + 1);
            format!("{}\n{}{}", text[..start].trim_end_matches('\n'), section, &text[end..])
        }
        None => format!("{}\n{}", text.trim_end_matches('\n'), section),
    };
    std::fs::write(&path, new).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("xtask: updated the Linux section of {REPORT}");
    Ok(())
}

/// The Linux section of docs/benchmarks.md.
pub fn render_bench(b: &Bench) -> String {
    let get = |name: &str| b.figures.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v);
    let ratio = |a: u64, base: u64| if a == 0 { "-".to_string() } else { format!("{:.2}", base as f64 / a as f64) };
    let (switch, port) = (get("wells_switch_ns"), get("wells_port_roundtrip_ns"));
    let (handoff, rt) = (get("linux_kthread_handoff_ns"), get("linux_kthread_roundtrip_ns"));
    let mut md = String::new();
    md.push_str("\n## Linux kernel module: wells.ko in Debian's kernel under QEMU (TCG)\n\n");
    md.push_str(&format!(
        "`cargo xtask bench` boots Debian's `linux-image-amd64` ({}) in `qemu-system-x86_64` \
         (TCG, no KVM, `-smp 2`), loads `wells.ko` and writes `run` to `/proc/wells/bench` \
         (`linux-module/wells_bench.c`). Each figure is ktime nanoseconds per operation over \
         {} iterations; three rounds in one boot, each figure the median of its three. TCG emulates the CPU, so the absolute figures are far \
         slower than hardware; the ratio is the comparable part (both sides run the same \
         emulated instructions on one CPU).\n\
         - **wells thread switch**: two wells threads of one priority yielding to each other, \
         per switch. **Linux hand-off**: two kthreads bound to one CPU passing a turn through \
         two `struct completion`s (`complete` + the other side waking from \
         `wait_for_completion`), per hand-off.\n\
         - **wells port round trip**: request on one port, reply on another, between two \
         wells threads. **Linux round trip**: two hand-offs between the kthreads.\n\n",
        b.kernel,
        get("iterations")
    ));
    md.push_str("| measurement | wells (ns) | Linux kthreads (ns) | Linux / wells |\n|---|---:|---:|---:|\n");
    md.push_str(&format!(
        "| thread switch vs kthread hand-off | {switch} | {handoff} | {} |\n",
        ratio(switch, handoff)
    ));
    md.push_str(&format!(
        "| port round trip vs kthread round trip | {port} | {rt} | {} |\n",
        ratio(port, rt)
    ));
    md.push_str(&format!("\nThe boot took {:.0} s.\n", b.seconds));
    md
}
