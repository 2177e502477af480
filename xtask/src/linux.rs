//! wells.ko, wells as a Linux kernel module: build it against Debian's headers, boot Debian's
//! kernels in QEMU (TCG) with a busybox initramfs that drives the scenario, judge the log.
//!
//! Build (`cargo xtask linux-module [--kdir DIR]`): libwells.a for `x86_64-unknown-none` with
//! `-Zbuild-std=core,alloc`, LTO and the kernel's mitigation flags (RUSTC_BOOTSTRAP=1 for this
//! build only, own target dir `target/linux-module/cargo`), then Kbuild in
//! `target/linux-module/<release>/`, a copy of `linux-module/`, `adapters/linux/` and `wells.h`
//! (the source tree is never written). Kbuild turns the archive into one object (`ld -r`
//! rooted at every exported `wells_*` symbol, objcopy, objtool): see `linux-module/Kbuild`.
//! objtool's warnings are collected: the test allows none.
//!
//! Test: on each suite kernel (the installed 6.1, bookworm-backports' 6.12 and 6.12-rt from
//! setup's cache), the initramfs holds busybox, wells.ko and `linux-module/test/init`; QEMU
//! boots that kernel, named explicitly, with a time limit. A run fails on a wrong verdict or
//! kernel, any oops/BUG/WARNING/panic/lockup line, an unload that reports live allocations or
//! an armed timer, a missing unload report, or a hang.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

const OUT: &str = "target/linux-module";

/// The instruction set a module is built for: what Rust target, flags and Kbuild variables it
/// takes (docs/linux-module.md).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ModuleArch {
    X86_64,
    Arm64,
}

impl ModuleArch {
    fn rust_target(self) -> &'static str {
        match self {
            ModuleArch::X86_64 => "x86_64-unknown-none",
            // The kernel keeps FP/SIMD for user space: its own code is general-registers only.
            ModuleArch::Arm64 => "aarch64-unknown-none-softfloat",
        }
    }

    /// Flags that make a Rust staticlib load into Debian's kernels. x86_64: no GOT
    /// relocations, the kernel's retpoline and return thunks, `endbr64` on every function whose
    /// address may be taken (IBT, as the kernel's own Rust: `-Zcf-protection=branch`), no jump
    /// tables; no SLS flag: every return and indirect jump already goes through the kernel's
    /// thunks. arm64: no GOT, the small code model (the module loader resolves ADRP pairs and
    /// puts far calls through PLTs), frame pointers as the kernel's own code keeps them.
    fn rustflags(self) -> &'static str {
        match self {
            ModuleArch::X86_64 => {
                "-C relocation-model=static -Zplt=yes -Zretpoline-external-thunk \
                 -Zfunction-return=thunk-extern -Zindirect-branch-cs-prefix -Zcf-protection=branch -Cjump-tables=no"
            }
            ModuleArch::Arm64 => "-C relocation-model=static -C code-model=small -C force-frame-pointers=yes",
        }
    }

    /// Kbuild's variables for a cross build.
    fn make_args(self) -> &'static [&'static str] {
        match self {
            ModuleArch::X86_64 => &[],
            ModuleArch::Arm64 => &["ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-"],
        }
    }
}
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
    "Missing ENDBR",
    "traps: ",
];

const USAGE: &str =
    "usage: cargo xtask linux-module [--kdir DIR] [--kernel VMLINUZ|RELEASE] [--append 'KERNEL ARGS'] [--test | --bench]";

/// Extra kernel command line words from `--append` (e.g. `mitigations=off`, to see what the
/// kernel's mitigations cost); with them `--bench` does not touch docs/benchmarks.md.
static EXTRA_APPEND: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `cargo xtask linux-module [--kdir DIR] [--kernel K] [--test | --bench]`: builds wells.ko
/// (and with `--test`/`--bench` boots it).
pub fn command(root: &Path, rest: &[String]) -> Result<u8> {
    let (mut kdir, mut kernel, mut mode) = (None, None, None);
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--kdir" => kdir = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
            "--kernel" => kernel = Some(args.next().ok_or(USAGE)?.clone()),
            "--append" => {
                let _ = EXTRA_APPEND.set(args.next().ok_or(USAGE)?.clone());
            }
            "--test" | "--bench" if mode.is_none() => mode = Some(arg.clone()),
            _ => return Err(format!("{USAGE}; got `{}`", rest.join(" "))),
        }
    }
    crate::setup::run(root)?;
    // With neither --kdir nor --kernel, --test and --bench take every kernel of the suite.
    let kernels = if kdir.is_none() && kernel.is_none() && mode.is_some() {
        suite_kernels(root)?
    } else {
        vec![chosen_kernel(root, kdir.as_deref(), kernel.as_deref(), mode.is_some())?]
    };
    match mode.as_deref() {
        Some("--test") => {
            let steps = tests_on(root, &kernels);
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
            Ok(if failed == 0 { 0 } else { 1 })
        }
        Some(_) => {
            // Only the Linux part of `cargo xtask bench`: replaces that section of the report.
            let benches = kernels.iter().map(|k| bench_on(root, k)).collect::<Result<Vec<_>>>()?;
            let section = render_bench(&benches);
            print!("{section}");
            if EXTRA_APPEND.get().is_none() {
                replace_report_section(root, &section)?;
            }
            Ok(0)
        }
        None => {
            let k = &kernels[0];
            let built = build(root, k)?;
            for w in &built.objtool {
                println!("xtask: objtool warning: {w}");
            }
            println!("xtask: built {} (against {}, kernel {})", built.ko.display(), k.headers.display(), k.release);
            println!("load it with: sudo insmod {}   (files appear in /proc/wells/)", built.ko.display());
            Ok(if built.objtool.is_empty() { 0 } else { 1 })
        }
    }
}

/// A kernel the module is built for (its headers) and booted on (its image, when known).
#[derive(Clone)]
pub struct Kernel {
    /// Short name in step names: "6.1", "6.12-rt", or the release.
    pub label: String,
    /// `uname -r` of the kernel, read from the headers.
    pub release: String,
    pub headers: PathBuf,
    pub image: Option<PathBuf>,
    pub arch: ModuleArch,
}

/// The release (`uname -r`) the headers in `kdir` belong to, from their `utsrelease.h`.
pub fn headers_release(kdir: &Path) -> Result<String> {
    let path = kdir.join("include/generated/utsrelease.h");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{} is not a configured kernel tree ({}: {e})", kdir.display(), path.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("#define UTS_RELEASE \"").and_then(|r| r.strip_suffix('"')))
        .map(str::to_string)
        .ok_or_else(|| format!("no UTS_RELEASE in {}", path.display()))
}

/// The installed `linux-headers-amd64`'s kernel: `/usr/src/linux-headers-<r>` and
/// `/boot/vmlinuz-<r>` of the release those headers are for (not whichever sorts highest).
pub fn installed_kernel() -> Result<Kernel> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Depends}", "linux-headers-amd64"])
        .output()
        .map_err(|e| format!("cannot run dpkg-query: {e}"))?;
    let depends = String::from_utf8_lossy(&out.stdout);
    let Some(package) = depends.split([',', ' ']).find(|d| d.starts_with("linux-headers-")) else {
        return Err("linux-headers-amd64 is not installed: run `cargo xtask setup`".to_string());
    };
    let headers = PathBuf::from("/usr/src").join(package);
    let release = headers_release(&headers)?;
    let image = PathBuf::from(format!("/boot/vmlinuz-{release}"));
    if !image.exists() {
        return Err(format!(
            "{} has no kernel image {}: install linux-image-{release}",
            headers.display(),
            image.display()
        ));
    }
    Ok(Kernel { label: short_label(&release), release, headers, image: Some(image), arch: ModuleArch::X86_64 })
}

/// "6.1" for 6.1.0-57-amd64, "6.12-rt" for 6.12.95+deb12-rt-amd64.
fn short_label(release: &str) -> String {
    let mut parts = release.split(['.', '-', '+']);
    let version = format!("{}.{}", parts.next().unwrap_or("?"), parts.next().unwrap_or("?"));
    if release.contains("-rt-") {
        format!("{version}-rt")
    } else {
        version
    }
}

/// The kernels `cargo xtask test` builds for and boots: the installed one (6.1) and the
/// cached ones setup fetched (6.12 and 6.12-rt, `setup::EXTRA_KERNELS`).
pub fn suite_kernels(root: &Path) -> Result<Vec<Kernel>> {
    let mut kernels = vec![installed_kernel()?];
    for extra in crate::setup::EXTRA_KERNELS {
        let k = crate::setup::cached_kernel(root, extra)?;
        kernels.push(Kernel {
            label: short_label(&k.release),
            release: k.release,
            headers: k.headers,
            image: Some(k.image),
            arch: ModuleArch::X86_64,
        });
    }
    Ok(kernels)
}

/// The kernel named on the command line: headers from `--kdir` (default: the installed
/// linux-headers-amd64's), image from `--kernel` (a vmlinuz path or a release), by default the
/// image of the release the headers belong to, looked for in /boot and the cache.
fn chosen_kernel(root: &Path, kdir: Option<&Path>, kernel: Option<&str>, boot: bool) -> Result<Kernel> {
    let (headers, release) = match kdir {
        Some(dir) => (dir.to_path_buf(), headers_release(dir)?),
        None => {
            let k = installed_kernel()?;
            (k.headers, k.release)
        }
    };
    let image = match kernel {
        Some(k) if Path::new(k).is_file() => Some(PathBuf::from(k)),
        Some(k) => Some(find_image(root, k).ok_or_else(|| format!("no vmlinuz-{k} in /boot or {}", crate::setup::kernel_cache(root).display()))?),
        None => find_image(root, &release),
    };
    if boot && image.is_none() {
        return Err(format!("no image of kernel {release} (the headers' release) in /boot or the cache: name one with --kernel"));
    }
    if let Some(image) = &image {
        // A module loads only into the kernel its headers are for: say so before the boot fails.
        if image.file_name() != Some(std::ffi::OsStr::new(&format!("vmlinuz-{release}"))) {
            println!("xtask: note: booting {} with a module built for {release}", image.display());
        }
    }
    Ok(Kernel { label: short_label(&release), release, headers, image, arch: ModuleArch::X86_64 })
}

/// `vmlinuz-<release>` in /boot or in the kernel cache.
fn find_image(root: &Path, release: &str) -> Option<PathBuf> {
    [PathBuf::from("/boot"), crate::setup::kernel_cache(root).join(release).join("boot")]
        .into_iter()
        .map(|dir| dir.join(format!("vmlinuz-{release}")))
        .find(|p| p.is_file())
}

/// A built module and what objtool said while building it.
pub struct Built {
    pub ko: PathBuf,
    /// objtool's warning lines (none is the bar: docs/linux-module.md).
    pub objtool: Vec<String>,
}

/// Builds libwells.a for the kernel, then wells.ko with Kbuild in
/// `target/linux-module/<release>/`; returns the .ko path and objtool's warnings.
pub fn build(root: &Path, kernel: &Kernel) -> Result<Built> {
    let out = root.join(OUT);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut rust = Command::new(cargo);
    let target = kernel.arch.rust_target();
    rust.args(["build", "--release", "-p", "wells-ffi", "--features", "linux-kernel", "--target", target, "-Zbuild-std=core,alloc"])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", out.join("cargo"))
        .env("RUSTFLAGS", kernel.arch.rustflags())
        // Whole-program LTO: alloc's error path then calls its handler directly instead of
        // through the allocator shim's tail jump, which objtool cannot see the end of.
        .env("CARGO_PROFILE_RELEASE_LTO", "fat")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    crate::run_status(&mut rust, &format!("cargo build -p wells-ffi for {target} (kernel flags)"))?;
    let archive = out.join("cargo").join(target).join("release/libwells.a");

    if kernel.headers.join("vmlinux").exists() && !on_path("pahole") {
        return Err(format!(
            "{} ships a vmlinux, so Kbuild makes BTF for the module and needs pahole: run `cargo xtask setup` (installs dwarves)",
            kernel.headers.display()
        ));
    }
    let build = out.join(&kernel.release);
    std::fs::create_dir_all(build.join("shim")).map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
    for dir in ["linux-module", "adapters/linux"] {
        for entry in std::fs::read_dir(root.join(dir)).map_err(|e| format!("cannot read {dir}: {e}"))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".c") || name.ends_with(".h") || name.ends_with(".lds") || name == "Kbuild" || name == "Makefile" {
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
    // objtool runs when an object is made: remove the objects so every build shows all of its
    // warnings, not only those of what changed since the last one.
    for entry in std::fs::read_dir(&build).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "o" || e == "ko") {
            let _ = std::fs::remove_file(path);
        }
    }

    println!("xtask: make -C {} M={} modules", kernel.headers.display(), build.display());
    let make = Command::new("make")
        .arg("-j2")
        .arg("-C")
        .arg(&kernel.headers)
        .arg(format!("M={}", build.display()))
        .args(kernel.arch.make_args())
        .arg("modules")
        .output()
        .map_err(|e| format!("cannot run make: {e}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&make.stdout), String::from_utf8_lossy(&make.stderr));
    let _ = std::fs::write(build.join("make.log"), &text);
    print!("{text}");
    if !make.status.success() {
        return Err(format!("make for kernel {} failed ({}); log in {}", kernel.release, make.status, build.join("make.log").display()));
    }
    let objtool: Vec<String> =
        text.lines().filter(|l| l.contains("objtool") && l.contains("warning")).map(|l| l.trim().to_string()).collect();
    let ko = build.join("wells.ko");
    if !ko.exists() {
        return Err(format!("Kbuild finished but {} is missing", ko.display()));
    }
    Ok(Built { ko, objtool })
}

/// `command -v program`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
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

/// A newc cpio archive (the initramfs format), written in memory.
pub(crate) struct Cpio {
    data: Vec<u8>,
    ino: u32,
}

impl Cpio {
    pub(crate) fn new() -> Cpio {
        Cpio { data: Vec::new(), ino: 1 }
    }

    pub(crate) fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), body: &[u8]) {
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

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.data
    }
}

/// An initramfs: busybox (with `/bin/sh` for the `#!` line of `/init`), `/init`, the
/// device nodes a console and `/dev/kmsg` need, the directories init mounts on, and `files`
/// (name, mode, contents) at the top.
pub fn initramfs(busybox: &Path, init: &[u8], files: &[(&str, u32, &[u8])], dest: &Path) -> Result<()> {
    let busybox = std::fs::read(busybox).map_err(|e| format!("cannot read {}: {e}", busybox.display()))?;
    let mut cpio = Cpio::new();
    for dir in ["bin", "dev", "proc", "sys", "tmp"] {
        cpio.entry(dir, 0o040755, (0, 0), &[]);
    }
    cpio.entry("dev/console", 0o020600, (5, 1), &[]);
    cpio.entry("dev/kmsg", 0o020644, (1, 11), &[]);
    cpio.entry("bin/busybox", 0o100755, (0, 0), &busybox);
    cpio.entry("bin/sh", 0o120777, (0, 0), b"busybox");
    cpio.entry("init", 0o100755, (0, 0), init);
    for (name, mode, body) in files {
        cpio.entry(name, 0o100000 | mode, (0, 0), body);
    }
    std::fs::write(dest, cpio.finish()).map_err(|e| format!("cannot write {}: {e}", dest.display()))
}

/// The module's test initramfs: `linux-module/test/init` drives the scenario on `wells.ko`.
pub fn module_initramfs(root: &Path, busybox: &Path, ko: &Path, dest: &Path) -> Result<()> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    initramfs(busybox, &read(&root.join("linux-module/test/init"))?, &[("wells.ko", 0o644, &read(ko)?)], dest)
}

// ---------------------------------------------------------------- booting

/// What one boot printed, and how long it took.
pub struct Boot {
    pub log: String,
    pub seconds: f64,
}

/// Boots the kernel with the initramfs and the given scenario; the log also goes to
/// `target/linux-module/<release>/<scenario>.log`. Only wells lines are echoed.
fn boot(root: &Path, kernel: &Kernel, initrd: &Path, scenario: &str) -> Result<Boot> {
    let image = kernel.image.as_ref().ok_or_else(|| format!("no image of kernel {} to boot", kernel.release))?;
    let mut append = format!("console=ttyS0 panic=-1 quiet wells.scenario={scenario}");
    if let Some(extra) = EXTRA_APPEND.get() {
        append = format!("{append} {extra}");
    }
    let mut qemu = Command::new("qemu-system-x86_64");
    // Under -icount the guest's clock follows its instructions, so the module's timing checks
    // give the same verdict on an idle and on a loaded host.
    // Benchmarks boot one CPU: under -icount every vCPU's instructions advance the one
    // virtual clock, so whatever a second CPU ran would be counted into the figures (seen on
    // 6.12: one boot's rounds measured a switch at 642, 1217 and 1292 ns).
    let smp = if scenario == "bench" { "1" } else { "2" };
    qemu.args(["-M", "q35", "-cpu", "max", "-smp", smp, "-m", "512", "-nographic", "-no-reboot", "-nic", "none"])
        .args(["-icount", "shift=0,align=off,sleep=off"])
        .arg("-kernel")
        .arg(image)
        .arg("-initrd")
        .arg(initrd)
        .arg("-append")
        .arg(&append)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    println!(
        "xtask: booting kernel {} ({}) in qemu-system-x86_64 (TCG), scenario {scenario}, limit {} s",
        kernel.release,
        image.display(),
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
    let path = root.join(OUT).join(&kernel.release).join(format!("{scenario}.log"));
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

/// Everything up to a bootable initramfs for one kernel: the module (objtool's warnings
/// returned) and the initramfs holding it.
fn prepare(root: &Path, kernel: &Kernel) -> Result<(PathBuf, Vec<String>)> {
    let built = build(root, kernel)?;
    let initrd = root.join(OUT).join(&kernel.release).join("initramfs.cpio");
    module_initramfs(root, Path::new(BUSYBOX), &built.ko, &initrd)?;
    Ok((initrd, built.objtool))
}

/// `cargo xtask test` steps on every suite kernel (`suite_kernels`).
pub fn tests(root: &Path) -> Vec<(String, Result<()>)> {
    match suite_kernels(root) {
        Ok(kernels) => tests_on(root, &kernels),
        Err(e) => vec![("linux module: find the suite's kernels".to_string(), Err(e))],
    }
}

/// Per kernel: build with no objtool warning, and the scenario (two load/work/unload cycles);
/// on the first kernel also the check that a leaked allocation is caught.
pub fn tests_on(root: &Path, kernels: &[Kernel]) -> Vec<(String, Result<()>)> {
    let mut steps = Vec::new();
    for (i, kernel) in kernels.iter().enumerate() {
        let label = &kernel.label;
        let initrd = match prepare(root, kernel) {
            Ok((initrd, objtool)) => {
                let verdict = if objtool.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{} objtool warnings, first: {}", objtool.len(), objtool[0]))
                };
                steps.push((format!("linux {label}: build wells.ko against {}, no objtool warning", kernel.release), verdict));
                initrd
            }
            Err(e) => {
                steps.push((format!("linux {label}: build wells.ko against {}", kernel.release), Err(e)));
                continue;
            }
        };
        let scenario = boot(root, kernel, &initrd, "test").and_then(|b| {
            check(&b.log, 2)?;
            check_kernel(&b.log, &kernel.release)?;
            println!("xtask: linux {label} scenario passed in {:.1} s", b.seconds);
            Ok(())
        });
        steps.push((
            format!("linux {label} in QEMU: load, self-test, demo, host priority, trace, -EINVAL, unload, reload, unload"),
            scenario,
        ));
        if i == 0 {
            let leak = boot(root, kernel, &initrd, "leak").and_then(|b| match check(&b.log, 1) {
                Err(e) if e.contains("allocations still live at unload") && e.contains("live allocations 1,") => {
                    println!("xtask: the leaked allocation was caught: {e}");
                    Ok(())
                }
                Err(e) => Err(format!("leak scenario failed for another reason: {e}")),
                Ok(()) => Err("a module that leaks one allocation passed the check".to_string()),
            });
            steps.push((format!("linux {label} in QEMU: a leaked allocation fails the check"), leak));
        }
    }
    steps
}

/// The init script prints `uname -r`: the boot really ran the kernel the module was built for.
fn check_kernel(log: &str, release: &str) -> Result<()> {
    let wanted = format!("kernel {release}");
    match log.lines().find(|l| l.contains("WELLS-TEST: scenario")) {
        Some(line) if line.trim_end().ends_with(&wanted) => Ok(()),
        Some(line) => Err(format!("booted the wrong kernel: `{}`, expected {wanted}", line.trim())),
        None => Err("the init script never said which kernel runs".to_string()),
    }
}

/// Rounds of /proc/wells/bench in the bench scenario (`linux-module/test/init`).
const BENCH_ROUNDS: usize = 5;

/// Figures from the bench scenario.
pub struct Bench {
    pub kernel: Kernel,
    pub figures: Vec<(String, u64)>,
    /// Tick-to-thread latency series from /proc/wells/latency.
    pub latency: Vec<Latency>,
    pub seconds: f64,
}

/// One latency series: `lat_<name> samples N p50_ns A p99_ns B max_ns C hist h0 .. h9`.
pub struct Latency {
    pub name: String,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
    pub hist: Vec<u64>,
}

/// Upper bounds (µs) of the histogram buckets `/proc/wells/latency` prints; the last is open.
const LATENCY_BUCKETS: &[&str] = &["<10", "<20", "<50", "<100", "<200", "<500", "<1000", "<2000", "<5000", "≥5000"];

fn parse_latency(log: &str) -> Vec<Latency> {
    let mut out = Vec::new();
    for line in log.lines() {
        let mut f = line.split_whitespace();
        let Some(name) = f.next().and_then(|n| n.strip_prefix("lat_")) else { continue };
        let words: Vec<&str> = f.collect();
        let field = |key: &str| words.iter().position(|w| *w == key).and_then(|i| words.get(i + 1)?.parse::<u64>().ok());
        let hist: Vec<u64> = words
            .iter()
            .skip_while(|w| **w != "hist")
            .skip(1)
            .filter_map(|w| w.parse().ok())
            .collect();
        if let (Some(p50_ns), Some(p99_ns), Some(max_ns)) = (field("p50_ns"), field("p99_ns"), field("max_ns")) {
            out.push(Latency { name: name.to_string(), p50_ns, p99_ns, max_ns, hist });
        }
    }
    out
}

/// `cargo xtask bench` part: the bench scenario on every suite kernel.
pub fn bench(root: &Path) -> Result<Vec<Bench>> {
    suite_kernels(root)?.iter().map(|k| bench_on(root, k)).collect()
}

/// Boots the bench scenario on one kernel and reads /proc/wells/bench.
pub fn bench_on(root: &Path, kernel: &Kernel) -> Result<Bench> {
    let (initrd, _) = prepare(root, kernel)?;
    let b = boot(root, kernel, &initrd, "bench")?;
    check(&b.log, 1)?;
    // BENCH_ROUNDS rounds in the one boot; each figure is the smallest of its values: the
    // round least disturbed by other work (6.12 still runs boot-time work for seconds, which
    // doubled some rounds' figures).
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
    if rounds.len() != BENCH_ROUNDS || rounds.iter().any(|r| r.len() != 5) {
        return Err(format!("expected {BENCH_ROUNDS} bench rounds of 5 figures, got {:?}", rounds));
    }
    let figures: Vec<(String, u64)> = rounds[0]
        .iter()
        .map(|(name, _)| {
            let mut values: Vec<u64> =
                rounds.iter().filter_map(|r| r.iter().find(|(n, _)| n == name).map(|(_, v)| *v)).collect();
            values.sort();
            (name.clone(), values[0])
        })
        .collect();
    let latency = parse_latency(&b.log);
    if latency.len() != 3 || latency.iter().any(|l| l.hist.len() != LATENCY_BUCKETS.len()) {
        return Err(format!("expected 3 latency series of {} buckets from /proc/wells/latency", LATENCY_BUCKETS.len()));
    }
    Ok(Bench { kernel: kernel.clone(), figures, latency, seconds: b.seconds })
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

/// The Linux section of docs/benchmarks.md: one row per kernel.
pub fn render_bench(benches: &[Bench]) -> String {
    let ratio = |a: u64, base: u64| if a == 0 { "-".to_string() } else { format!("{:.2}", base as f64 / a as f64) };
    let mut md = String::new();
    md.push_str("\n## Linux kernel module: wells.ko in Debian's kernels under QEMU (TCG)\n\n");
    md.push_str(&format!(
        "`cargo xtask bench` (or `cargo xtask linux-module --bench`) boots each kernel of the module suite in \
         `qemu-system-x86_64` (TCG, no KVM, `-smp 2`, `-icount shift=0`: one emulated nanosecond per \
         instruction), loads `wells.ko` and writes `run` to `/proc/wells/bench` \
         (`linux-module/wells_bench.c`). Each figure is ktime nanoseconds per operation over \
         {} iterations; five rounds in one boot (after a 3 s pause that lets boot-time work \
         end), each figure the smallest of its five: the least disturbed round. One vCPU \
         (`-smp 1`): under `-icount` every vCPU's instructions advance the one clock. Under \
         `-icount` the figures count instructions, not host time; the ratio is the comparable part \
         (both sides run on one CPU of the same kernel).\n\
         - **wells thread switch**: two wells threads of one priority yielding to each other, \
         per switch. **Linux hand-off**: two kthreads bound to one CPU passing a turn through \
         two `struct completion`s (`complete` + the other side waking from \
         `wait_for_completion`), per hand-off.\n\
         - **wells port round trip**: request on one port, reply on another, between two \
         wells threads. **Linux round trip**: two hand-offs between the kthreads.\n\n",
        benches.first().map_or(0, |b| b.get("iterations"))
    ));
    md.push_str(
        "| kernel | wells switch (ns) | kthread hand-off (ns) | hand-off / switch | wells port round trip (ns) | kthread round trip (ns) | ratio | boot (s) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for b in benches {
        let (switch, port) = (b.get("wells_switch_ns"), b.get("wells_port_roundtrip_ns"));
        let (handoff, rt) = (b.get("linux_kthread_handoff_ns"), b.get("linux_kthread_roundtrip_ns"));
        md.push_str(&format!(
            "| {} | {switch} | {handoff} | {} | {port} | {rt} | {} | {:.0} |\n",
            b.kernel.release,
            ratio(switch, handoff),
            ratio(port, rt),
            b.seconds
        ));
    }
    md.push_str(
        "\nThe same module switches in the same number of instructions on every kernel (its path \
         is wells' own code); the kthread hand-off is Linux's scheduler and differs by kernel \
         (PREEMPT_RT's is the dearest). QEMU's `-cpu max` is an AMD CPU to these kernels: \
         `retbleed` and `spec_rstack_overflow` are \"Not affected\", so `__x86_return_thunk` \
         is a plain `ret` on 6.1 and 6.12 alike, and spectre_v2 uses retpolines on both \
         (`/sys/devices/system/cpu/vulnerabilities/*`, printed in the bench log). Figures that \
         once showed wells switching 2.3× faster on 6.12 were disturbance, not mitigation: \
         6.12 runs boot-time work for a few seconds, and with two vCPUs the other CPU's \
         instructions advance the shared `-icount` clock too (one 6.12 boot measured 642, 1217 \
         and 1292 ns in its three rounds); hence one vCPU, the pause and the least disturbed \
         round. See docs/linux-module.md (Benchmarks) for how this was found and where wells' \
         own cost goes.\n",
    );
    md.push_str(
        "\n### Tick-to-thread latency, and PREEMPT_RT\n\n\
         The same boot writes `run` to `/proc/wells/latency`: a wells thread (priority 25) sleeps \
         1 ms, 200 times, and records how late it ran — hrtimer (hard irq) → wake of the host \
         kthread → tick in the host kthread → switch to the thread. Three series: **idle**; \
         **rtload_normal**: a SCHED_FIFO 50 kthread on the host kthread's CPU, busy 2 ms then \
         asleep 1 ms, while the host kthread is SCHED_NORMAL; **rtload_fifo**: the same load, host \
         kthread SCHED_FIFO 60 (`echo 'fifo 60' > /proc/wells/host`, or `insmod wells.ko \
         host_prio=60`). Nanoseconds of emulated time (`-icount`); histogram counts per bucket (µs).\n\n",
    );
    md.push_str(&format!(
        "| kernel | series | p50 (ns) | p99 (ns) | max (ns) | {} |\n|---|---|---:|---:|---:|{}\n",
        LATENCY_BUCKETS.join(" | "),
        "---:|".repeat(LATENCY_BUCKETS.len())
    ));
    for b in benches {
        for l in &b.latency {
            let hist: Vec<String> = l.hist.iter().map(u64::to_string).collect();
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                b.kernel.release,
                l.name,
                l.p50_ns,
                l.p99_ns,
                l.max_ns,
                hist.join(" | ")
            ));
        }
    }
    md
}

impl Bench {
    fn get(&self, name: &str) -> u64 {
        self.figures.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v)
    }
}
