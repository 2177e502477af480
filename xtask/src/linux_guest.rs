//! Debian's own arm64 Linux as a guest of the wells arm64 hypervisor (docs/linux-guest.md): the
//! kernel and busybox come from `setup::cached_arm64_guest`; here the initramfs is written (a
//! busybox `/init` script that prints a marker, runs a few commands and powers off), the same
//! kernel and initramfs boot natively on QEMU `virt` (the baseline) and as a VM of the wells
//! hypervisor beside a VM running the supervisor demo, and each log is judged.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::linux::initramfs;
use crate::Result;

/// Where the initramfs and the guest bundle are written.
const OUT: &str = "target/linux-guest";

/// The line `/init` prints first: Linux booted to user space.
pub const MARKER: &str = "wells-linux-guest: init is running";
/// The line `/init` prints before it powers off.
const DONE: &str = "wells-linux-guest: done, powering off";

/// The guest's `/init`: a busybox shell script. It mounts /proc, writes a line to the kernel's
/// log (printed with Linux's timestamp: the boot benchmark's mark), prints the marker, the kernel
/// release, the CPU and the interrupt counts, sleeps a few times on the timer, prints the
/// interrupt counts again, times a loop of getpid system calls (`benchmarks/linux-guest`) and
/// powers off (PSCI SYSTEM_OFF).
const INIT: &str = r#"#!/bin/sh
/bin/busybox mount -t proc proc /proc
echo "wells-linux-guest: boot reached /init" > /dev/kmsg
echo "wells-linux-guest: init is running"
echo "wells-linux-guest: uname -r: $(/bin/busybox uname -r)"
/bin/busybox cat /proc/cpuinfo
echo "wells-linux-guest: interrupts before:"
/bin/busybox cat /proc/interrupts
i=0
while [ $i -lt 3 ]; do
  /bin/busybox sleep 0.05
  i=$((i + 1))
  echo "wells-linux-guest: slept $i"
done
echo "wells-linux-guest: interrupts after:"
/bin/busybox cat /proc/interrupts
/getpid 100000
echo "wells-linux-guest: done, powering off"
/bin/busybox poweroff -f
"#;

/// The `/init` of the containment test: it says so and exits, which makes Linux panic
/// ("Attempted to kill init!"); with `panic=-1` it then resets its VM (PSCI SYSTEM_RESET).
const INIT_THAT_EXITS: &str = "#!/bin/sh\necho \"wells-linux-guest: init exits on purpose\"\nexit 1\n";

/// The kernel command line, natively and (in the device tree wells writes) as a guest.
pub const BOOTARGS: &str = "console=ttyAMA0 earlycon=pl011,0x9000000 panic=-1";

/// What a boot needs, written under `target/linux-guest/`.
pub struct Prepared {
    /// `uname -r` of the kernel.
    pub release: String,
    pub image: PathBuf,
    pub initrd: PathBuf,
    /// Image and initramfs in one file, the guest the hypervisor image embeds
    /// (`WELLS_GUEST_LINUX_64`): see [`write_bundle`].
    pub bundle: PathBuf,
    /// The same kernel with an `/init` that exits (Linux panics): the containment test's guest.
    pub panicking_bundle: PathBuf,
}

/// The cached kernel and busybox (fetched first when missing), the initramfs and the bundle.
pub fn prepare(root: &Path) -> Result<Prepared> {
    let guest = crate::setup::cached_arm64_guest(root)?;
    let out = root.join(OUT);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let getpid = getpid_program(root)?;
    let initrd = out.join("initramfs.cpio");
    initramfs(&guest.busybox, INIT.as_bytes(), &[("getpid", 0o755, &read(&getpid)?)], &initrd)?;
    let bundle = out.join("linux-guest.bin");
    write_bundle(&guest.image, &initrd, &bundle)?;
    let panicking_initrd = out.join("initramfs-panic.cpio");
    initramfs(&guest.busybox, INIT_THAT_EXITS.as_bytes(), &[], &panicking_initrd)?;
    let panicking_bundle = out.join("linux-guest-panic.bin");
    write_bundle(&guest.image, &panicking_initrd, &panicking_bundle)?;
    Ok(Prepared { release: guest.release, image: guest.image, initrd, bundle, panicking_bundle })
}

/// `benchmarks/linux-guest/getpid.c`, built static for arm64 with Debian's cross compiler.
fn getpid_program(root: &Path) -> Result<PathBuf> {
    let out = root.join(OUT).join("getpid");
    let mut gcc = Command::new("aarch64-linux-gnu-gcc");
    gcc.args(["-static", "-O2", "-Wall", "-Werror", "-o"]).arg(&out).arg(root.join("benchmarks/linux-guest/getpid.c"));
    crate::run_status(&mut gcc, "aarch64-linux-gnu-gcc benchmarks/linux-guest/getpid.c (setup installs gcc-aarch64-linux-gnu)")?;
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The bundle's first eight bytes (`images/common/src/hypervisor/linux.rs` reads it).
const BUNDLE_MAGIC: &[u8; 8] = b"wellsLNX";

/// One file for the hypervisor to embed: the magic, the Image's and the initramfs's lengths
/// (64-bit little-endian), the Image, the initramfs.
fn write_bundle(image: &Path, initrd: &Path, dest: &Path) -> Result<()> {
    let (image, initrd) = (read(image)?, read(initrd)?);
    let mut bundle = Vec::with_capacity(24 + image.len() + initrd.len());
    bundle.extend_from_slice(BUNDLE_MAGIC);
    bundle.extend_from_slice(&(image.len() as u64).to_le_bytes());
    bundle.extend_from_slice(&(initrd.len() as u64).to_le_bytes());
    bundle.extend_from_slice(&image);
    bundle.extend_from_slice(&initrd);
    if std::fs::read(dest).ok().as_deref() == Some(&bundle[..]) {
        return Ok(()); // unchanged: the hypervisor image need not be rebuilt
    }
    std::fs::write(dest, bundle).map_err(|e| format!("cannot write {}: {e}", dest.display()))
}

/// Wall-clock limit of one boot (under -icount a native boot takes a few seconds).
const BOOT_LIMIT: Duration = Duration::from_secs(300);

/// Runs `qemu` to its end (or the limit), echoing and returning its output; `name` for messages.
pub fn run_logged(qemu: Command, name: &str, log_file: &Path) -> Result<(Option<i32>, String)> {
    run_until(qemu, name, log_file, |_| false)
}

/// [`run_logged`], ending QEMU early (status `None`) once `enough` holds for the log so far.
fn run_until(mut qemu: Command, name: &str, log_file: &Path, enough: impl Fn(&str) -> bool + Send + 'static) -> Result<(Option<i32>, String)> {
    let mut child = qemu
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{name}: cannot start QEMU: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout from QEMU")?;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = done.clone();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            println!("  | {}", line.trim_end());
            log.push_str(line.trim_end_matches('\r'));
            log.push('\n');
            if !seen.load(std::sync::atomic::Ordering::Relaxed) && enough(&log) {
                seen.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        log
    });
    let deadline = std::time::Instant::now() + BOOT_LIMIT;
    let status = loop {
        match child.try_wait().map_err(|e| format!("cannot wait for QEMU: {e}"))? {
            Some(status) => break Some(status.code()),
            None if done.load(std::sync::atomic::Ordering::Relaxed) => break None,
            None if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return Err(format!("{name}: hung, killed after {} s (log: {})", BOOT_LIMIT.as_secs(), log_file.display()));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    if status.is_none() {
        // Everything wanted was seen: QEMU is ended here.
        let _ = child.kill();
        let _ = child.wait();
    }
    let log = reader.join().unwrap_or_default();
    let _ = std::fs::write(log_file, &log);
    Ok((status.flatten(), log))
}

/// Boots the kernel and initramfs on plain QEMU `virt` (no wells) under -icount.
pub fn native_boot(root: &Path, p: &Prepared) -> Result<String> {
    let mut qemu = Command::new("qemu-system-aarch64");
    qemu.args(["-M", "virt", "-cpu", "cortex-a57", "-m", "256M", "-nographic", "-no-reboot", "-nic", "none"])
        .args(crate::qemu::ICOUNT)
        .arg("-kernel")
        .arg(&p.image)
        .arg("-initrd")
        .arg(&p.initrd)
        .args(["-append", BOOTARGS])
        .current_dir(root);
    println!("xtask: booting Debian's arm64 kernel {} natively: {}", p.release, crate::qemu::command_line(&qemu, root));
    let (status, log) = run_logged(qemu, "native Linux", &root.join(OUT).join("native.log"))?;
    if status != Some(0) {
        return Err(format!("native Linux: QEMU ended with {status:?}"));
    }
    Ok(log)
}

/// The hypervisor's demo image with feature `linux-guest`, built for `system` with the bundle.
pub fn build_hypervisor(root: &Path, p: &Prepared, system: &str) -> Result<PathBuf> {
    let env = [("WELLS_SYSTEM", system.to_string()), ("WELLS_GUEST_LINUX_64", p.bundle.display().to_string())];
    crate::qemu::build_with_env(root, &crate::hyper::VIRT_ARM64_HYPER, "wells-demo", &["linux-guest"], &env)
}

/// How the hypervisor boots: EL2 entry on a Cortex-A57 (the CPU the native boot uses).
const HYPER_BOOT: crate::qemu::Boot =
    crate::qemu::Boot { name: "arm64 hypervisor with a Linux guest", machine: "virt,virtualization=on", cpu: "cortex-a57", expect: &[], status: 0 };

/// Boots the hypervisor image under -icount; returns its exit status and log.
pub fn hyper_boot(root: &Path, image: &Path, log_name: &str) -> Result<(Option<i32>, String)> {
    hyper_boot_until(root, image, log_name, |_| false)
}

/// [`hyper_boot`], ending QEMU once `enough` holds for the log (then the status is `None`).
fn hyper_boot_until(root: &Path, image: &Path, log_name: &str, enough: impl Fn(&str) -> bool + Send + 'static) -> Result<(Option<i32>, String)> {
    let mut qemu = crate::qemu::qemu_command_with(&crate::hyper::VIRT_ARM64_HYPER, &HYPER_BOOT, image, crate::qemu::ICOUNT);
    qemu.current_dir(root);
    println!("xtask: booting {}", crate::qemu::command_line(&qemu, root));
    run_until(qemu, "Linux under wells", &root.join(OUT).join(log_name), enough)
}

/// What wells says when the panicking Linux resets its VM.
const RESET_REPORT: &str = "wells: vm 'linux' restarts (1): PSCI SYSTEM_RESET";

/// The containment test: a Linux whose init exits panics and resets its VM (PSCI SYSTEM_RESET,
/// `panic=-1`) again and again; wells reports each restart and the demo VM beside it runs to
/// its end. QEMU is ended once both are seen (Linux would go on rebooting).
fn panic_is_contained(root: &Path, p: &Prepared) -> Result<()> {
    let env = [("WELLS_SYSTEM", "arm64-linux".to_string()), ("WELLS_GUEST_LINUX_64", p.panicking_bundle.display().to_string())];
    let image = crate::qemu::build_with_env(root, &crate::hyper::VIRT_ARM64_HYPER, "wells-demo", &["linux-guest"], &env)?;
    let enough = |log: &str| log.contains(RESET_REPORT) && log.contains("wells: vm 'demo' powered off (status 0)");
    let (_, log) = hyper_boot_until(root, &image, "hyper-panic.log", enough)?;
    check_panic(&log)
}

/// Checks the containment test's log: Linux's panic, wells' report of its reset, the demo VM
/// powered off normally.
pub fn check_panic(log: &str) -> Result<()> {
    let linux: Vec<&str> = guest_lines(log, "[linux] ").collect();
    if !linux.iter().any(|l| l.contains("wells-linux-guest: init exits on purpose")) {
        return Err("the panicking guest's init never ran".to_string());
    }
    if !linux.iter().any(|l| l.contains("Kernel panic - not syncing: Attempted to kill init!")) {
        return Err("Linux did not panic when its init exited".to_string());
    }
    if !log.lines().any(|l| l == RESET_REPORT) {
        return Err(format!("no `{RESET_REPORT}`"));
    }
    if !log.lines().any(|l| l == "wells: vm 'demo' powered off (status 0)") {
        return Err("the demo VM did not run to its end beside the panicking Linux".to_string());
    }
    Ok(())
}

/// `cargo xtask run --system <a system with the Linux guest>`: the bundle, the hypervisor image
/// for `system`, booted on this terminal (on 2 CPUs when it is [`SMP_SYSTEM`]).
pub fn run_system(root: &Path, system: &str) -> Result<u8> {
    let prepared = prepare(root)?;
    let board = &crate::hyper::VIRT_ARM64_HYPER;
    if system == SMP_SYSTEM {
        let image = build_smp_hypervisor(root, &prepared)?;
        return crate::qemu::interactive(root, board, crate::qemu::qemu_command_with(board, &HYPER_BOOT, &image, SMP_OPTIONS));
    }
    let image = build_hypervisor(root, &prepared, system)?;
    let no_options: &[&str] = &[];
    crate::qemu::interactive(root, board, crate::qemu::qemu_command_with(board, &HYPER_BOOT, &image, no_options))
}

/// The system whose Linux has two vCPUs, on the hypervisor built with feature `smp`.
const SMP_SYSTEM: &str = "arm64-linux-smp";
/// Its boot: 2 CPUs, each on a host thread of its own (so no -icount).
const SMP_OPTIONS: &[&str] = &["-smp", "2", "-accel", "tcg,thread=multi"];

/// The hypervisor's demo image for [`SMP_SYSTEM`]: features `linux-guest` and `smp`.
fn build_smp_hypervisor(root: &Path, p: &Prepared) -> Result<PathBuf> {
    let env = [("WELLS_SYSTEM", SMP_SYSTEM.to_string()), ("WELLS_GUEST_LINUX_64", p.bundle.display().to_string())];
    crate::qemu::build_with_env(root, &crate::hyper::VIRT_ARM64_HYPER, "wells-demo", &["linux-guest", "smp"], &env)
}

/// Linux with two vCPUs on the hypervisor on two CPUs ([`SMP_SYSTEM`]): everything
/// [`check_hyper`] wants, and Linux's own word that it brought both CPUs up.
fn smp_linux(root: &Path, p: &Prepared) -> Result<()> {
    let image = build_smp_hypervisor(root, p)?;
    let mut qemu = crate::qemu::qemu_command_with(&crate::hyper::VIRT_ARM64_HYPER, &HYPER_BOOT, &image, SMP_OPTIONS);
    qemu.current_dir(root);
    println!("xtask: booting {}", crate::qemu::command_line(&qemu, root));
    let (status, log) = run_logged(qemu, "Linux with 2 vCPUs under wells", &root.join(OUT).join("hyper-smp.log"))?;
    check_smp(&log, status, &p.release)
}

/// Checks the log of [`SMP_SYSTEM`]: the hypervisor's CPUs both joined, Linux's checks and
/// power-off and the demo VM beside it as in [`check_hyper`] (in whatever order the two end,
/// now that they run at once), Linux's second CPU booted and both counted.
pub fn check_smp(log: &str, status: Option<i32>, release: &str) -> Result<()> {
    if !log.lines().any(|l| l == "ok - smp kernel: 2 of 2 CPUs joined one kernel") {
        return Err("the hypervisor's two CPUs did not both join its kernel".to_string());
    }
    check_beside_demo(log, status, release)?;
    let linux: Vec<&str> = guest_lines(log, "[linux] ").collect();
    for want in ["CPU1: Booted secondary processor", "smp: Brought up 1 node, 2 CPUs"] {
        if !linux.iter().any(|l| l.contains(want)) {
            return Err(format!("Linux did not say `{want}`"));
        }
    }
    // Its inter-processor interrupts (SGIs through the emulated distributor) reached both CPUs.
    let both = |l: &&str| {
        let counts: Vec<u64> = l.split_whitespace().skip(1).take(2).filter_map(|n| n.parse().ok()).collect();
        counts.len() == 2 && counts.iter().all(|&n| n > 0)
    };
    if !linux.iter().filter(|l| l.trim_start().starts_with("IPI1:")).any(both) {
        return Err("Linux's function-call IPIs (IPI1 in /proc/interrupts) did not reach both CPUs".to_string());
    }
    Ok(())
}

/// The guest's own lines in `log`: those starting with `prefix` (`""` natively, `"[linux] "`
/// under wells), with the prefix taken off.
fn guest_lines<'a>(log: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> {
    log.lines().filter_map(move |line| line.strip_prefix(prefix))
}

/// Checks a Linux boot's log: the marker, `uname -r` naming `release`, the timer's interrupt
/// count grown between the two `/proc/interrupts`, and the last line before power-off.
pub fn check_guest(log: &str, prefix: &str, release: &str) -> Result<()> {
    let lines: Vec<&str> = guest_lines(log, prefix).collect();
    if let Some(panic) = lines.iter().find(|l| l.contains("Kernel panic")) {
        return Err(format!("Linux panicked: {panic}"));
    }
    if !lines.iter().any(|l| l.contains(MARKER)) {
        let last = lines.iter().rev().take(5).rev().copied().collect::<Vec<_>>().join(" / ");
        return Err(format!("Linux never reached /init (no `{MARKER}`); its last lines: {last}"));
    }
    // Seeded by its firmware (QEMU natively, wells' `entropy.rs` as a guest): without a seed a
    // system call costs Linux 6.1 some 19 times more (docs/linux-guest.md).
    if !lines.iter().any(|l| l.contains("random: crng init done")) || !lines.iter().any(|l| l.contains("KASLR enabled")) {
        return Err("Linux got no entropy seed at boot (no `random: crng init done` and `KASLR enabled`)".to_string());
    }
    let uname = format!("wells-linux-guest: uname -r: {release}");
    if !lines.iter().any(|l| l.trim_end() == uname) {
        return Err(format!("no `{uname}` line"));
    }
    let counts: Vec<u64> = lines.iter().filter(|l| l.contains("arch_timer")).filter_map(|l| l.split_whitespace().nth(1)?.parse().ok()).collect();
    match counts[..] {
        [before, after] if after > before => {}
        _ => return Err(format!("the timer's interrupt count did not grow across the sleeps: {counts:?}")),
    }
    if getpid_ns(&lines.join("\n")).is_none() {
        return Err("no `wells-linux-guest: getpid ... ns per call` line (the system-call loop)".to_string());
    }
    if !lines.iter().any(|l| l.contains("wells-linux-guest: slept 3")) || !lines.iter().any(|l| l.contains(DONE)) {
        return Err("the sleep loop or the last line is missing".to_string());
    }
    Ok(())
}

/// Checks the hypervisor's log of `systems/arm64-linux.toml`: Linux's own checks on its
/// `[linux]` lines, its power-off ending only its VM, the demo VM's lines among Linux's.
pub fn check_hyper(log: &str, status: Option<i32>, release: &str) -> Result<()> {
    let (lines, off) = check_beside_demo(log, status, release)?;
    let at = |want: &dyn Fn(&str) -> bool| lines.iter().position(|l| want(l));
    // On one CPU the demo VM goes on after Linux's SYSTEM_OFF to its own end.
    let demo_off = at(&|l| l == "wells: vm 'demo' powered off (status 0)").ok_or("the demo VM did not power off with status 0")?;
    if demo_off < off || !lines[off..demo_off].iter().any(|l| l.starts_with("[demo] ")) {
        return Err("the demo VM did not go on after Linux powered off".to_string());
    }
    Ok(())
}

/// What [`check_hyper`] and [`check_smp`] both want: Linux's own checks, its power-off with
/// status 0, the demo VM's lines among Linux's while it ran, the demo's power-off with status 0,
/// the hypervisor's status 0. Returns the log's lines and where Linux powered off.
fn check_beside_demo<'a>(log: &'a str, status: Option<i32>, release: &str) -> Result<(Vec<&'a str>, usize)> {
    if let Some(stop) = log.lines().find(|l| l.starts_with("wells: vm 'linux' stopped")) {
        return Err(format!("the hypervisor stopped Linux: {stop}"));
    }
    check_guest(log, "[linux] ", release)?;
    let lines: Vec<&str> = log.lines().collect();
    let at = |want: &dyn Fn(&str) -> bool| lines.iter().position(|l| want(l));
    let first_linux = at(&|l| l.starts_with("[linux] ")).ok_or("no line of Linux")?;
    let off = at(&|l| l == "wells: vm 'linux' powered off (status 0)").ok_or("no `wells: vm 'linux' powered off (status 0)`")?;
    // The demo VM runs while Linux boots.
    if !lines[first_linux..off].iter().any(|l| l.starts_with("[demo] ")) {
        return Err("no line of the demo VM among Linux's: they did not run side by side".to_string());
    }
    if !lines.contains(&"wells: vm 'demo' powered off (status 0)") {
        return Err("the demo VM did not power off with status 0".to_string());
    }
    if status != Some(0) {
        return Err(format!("the hypervisor ended with {status:?}, not 0"));
    }
    Ok((lines, off))
}

/// The test steps (`cargo xtask test`) that ran, and those skipped with why (the packages
/// they need could not be had).
#[derive(Default)]
pub struct Steps {
    pub ran: Vec<(String, Result<()>)>,
    pub skipped: Vec<(String, String)>,
}

pub fn tests(root: &Path) -> Steps {
    // Only a fetch that fails skips: anything after it failing is a failure.
    if let Err(e) = crate::setup::cached_arm64_guest(root) {
        let why = format!("Debian's arm64 kernel or busybox-static cannot be fetched: {e}");
        return Steps { skipped: vec![("Linux guest (Debian arm64) under the wells hypervisor".to_string(), why)], ..Steps::default() };
    }
    let prepared = match prepare(root) {
        Ok(p) => p,
        Err(e) => return Steps { ran: vec![("Linux guest (Debian arm64): initramfs and bundle".to_string(), Err(e))], ..Steps::default() },
    };
    println!("xtask: Linux guest bundle (Image + initramfs) {}", prepared.bundle.display());
    let native = native_boot(root, &prepared).and_then(|log| check_guest(&log, "", &prepared.release));
    let hyper = build_hypervisor(root, &prepared, "arm64-linux").and_then(|image| hyper_boot(root, &image, "hyper.log")).and_then(|(status, log)| check_hyper(&log, status, &prepared.release));
    let mut steps = Steps {
        ran: vec![
            (format!("Linux {} (Debian arm64) natively on QEMU virt: marker, uname -r, timer interrupts, power-off (-icount)", prepared.release), native),
            (format!("Linux {} (Debian arm64) as a VM of the wells arm64 hypervisor beside the supervisor demo (systems/arm64-linux.toml, -icount)", prepared.release), hyper),
            (
                format!("Linux {} under wells: an init that exits panics Linux, its VM resets (reported), the demo VM beside it runs to its end (-icount)", prepared.release),
                panic_is_contained(root, &prepared),
            ),
            (
                format!("Linux {} (Debian arm64) with 2 vCPUs on the wells hypervisor on 2 CPUs, beside the supervisor demo (systems/{SMP_SYSTEM}.toml, multi-threaded TCG)", prepared.release),
                smp_linux(root, &prepared),
            ),
        ],
        skipped: Vec::new(),
    };
    let module = format!("wells.ko built for Linux {} (arm64) inside that Linux as a VM of the wells hypervisor: load, self-test, demo, bad input, two unloads with no live allocation (-icount)", prepared.release);
    // Its headers come with `cargo xtask setup`, which says so when they cannot be fetched.
    match crate::setup::arm64_headers_in_cache(root, &prepared.release) {
        Some(_) => steps.ran.push((module, module_in_guest(root))),
        None => steps.skipped.push((module, format!("the arm64 headers of Linux {} are not in the cache (`cargo xtask setup` fetches them)", prepared.release))),
    }
    steps
}

/// wells.ko built for the guest's kernel (headers from `setup::cached_arm64_headers`, which
/// setup fills), the arm64 libwells.a with the kernel's flags, and the guest bundle whose
/// `/init` is the module's test scenario (`linux-module/test/init`) on it.
fn module_bundle(root: &Path) -> Result<PathBuf> {
    let guest = crate::setup::cached_arm64_guest(root)?;
    let headers = crate::setup::cached_arm64_headers(root, &guest.release)?;
    let kernel = crate::linux::Kernel {
        label: guest.release.clone(),
        release: crate::linux::headers_release(&headers)?,
        headers,
        image: Some(guest.image.clone()),
        arch: crate::linux::ModuleArch::Arm64,
    };
    let built = crate::linux::build(root, &kernel)?;
    let out = root.join(OUT);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let initrd = out.join("initramfs-module.cpio");
    crate::linux::module_initramfs(root, &guest.busybox, &built.ko, &initrd)?;
    let bundle = out.join("linux-guest-module.bin");
    write_bundle(&guest.image, &initrd, &bundle)?;
    Ok(bundle)
}

/// wells.ko's scenario inside the Linux guest of the wells hypervisor: wells at EL2 managing
/// Linux, wells in Linux managing its threads. Judged as on x86_64 (`linux::check`: the verdict,
/// two load/unload cycles with no live allocation, no oops) plus Linux's clean power-off.
fn module_in_guest(root: &Path) -> Result<()> {
    let bundle = module_bundle(root)?;
    let env = [("WELLS_SYSTEM", "arm64-linux-alone".to_string()), ("WELLS_GUEST_LINUX_64", bundle.display().to_string())];
    let image = crate::qemu::build_with_env(root, &crate::hyper::VIRT_ARM64_HYPER, "wells-demo", &["linux-guest"], &env)?;
    let (status, log) = hyper_boot(root, &image, "hyper-module.log")?;
    check_module(&log, status)
}

/// Checks the module's run in the guest: the x86_64 judge on the `[linux]` lines, then the
/// power-off of Linux and of the hypervisor.
pub fn check_module(log: &str, status: Option<i32>) -> Result<()> {
    let linux: String = guest_lines(log, "[linux] ").map(|l| format!("{l}\n")).collect();
    crate::linux::check(&linux, 2)?;
    if !log.lines().any(|l| l == "wells: vm 'linux' powered off (status 0)") {
        return Err("Linux did not power its VM off after the scenario".to_string());
    }
    if status != Some(0) {
        return Err(format!("the hypervisor ended with {status:?}, not 0"));
    }
    Ok(())
}

/// Calls and nanoseconds of the getpid loop in `log` (instructions under -icount).
pub fn getpid_ns(log: &str) -> Option<(u64, u64)> {
    let line = log.lines().find_map(|l| l.split_once("wells-linux-guest: getpid ").map(|(_, rest)| rest))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words[..] {
        [calls, "calls", "in", ns, "ns,", ..] => Some((calls.parse().ok()?, ns.parse().ok()?)),
        _ => None,
    }
}

/// The line `/init` writes to the kernel's log, which prints it with Linux's timestamp.
const KMSG_MARK: &str = "] wells-linux-guest: boot reached /init";

/// Linux's timestamp (µs since its clock source came up) of the `/init` mark in `log`.
pub fn mark_us(log: &str) -> Option<u64> {
    let line = log.lines().find(|l| l.contains(KMSG_MARK))?;
    let before = &line[..line.find(KMSG_MARK)?];
    let stamp = before[before.rfind('[')? + 1..].trim();
    let (seconds, micros) = stamp.split_once('.')?;
    Some(seconds.parse::<u64>().ok()? * 1_000_000 + micros.parse::<u64>().ok()?)
}

/// Title of the Linux guest's section in docs/benchmarks.md.
const BENCH_TITLE: &str = "## Debian's arm64 Linux as a guest of the wells hypervisor (instructions)";

/// The Linux guest's section of docs/benchmarks.md: boot to `/init` natively, under wells alone
/// and under wells beside the demo VM, and the getpid loop natively and alone, each under
/// -icount (instructions, as Linux's clock counts them).
pub fn bench_section(root: &Path) -> Result<String> {
    let p = prepare(root)?;
    let native = native_boot(root, &p)?;
    let alone = build_hypervisor(root, &p, "arm64-linux-alone").and_then(|image| hyper_boot(root, &image, "bench-alone.log"))?.1;
    let shared = build_hypervisor(root, &p, "arm64-linux").and_then(|image| hyper_boot(root, &image, "bench-shared.log"))?.1;
    let mark = |log: &str, what: &str| mark_us(log).ok_or_else(|| format!("{what}: no `{KMSG_MARK}` line"));
    let (n, a, s) = (mark(&native, "native")?, mark(&alone, "under wells")?, mark(&shared, "under wells beside the demo")?);
    let getpid = |log: &str, prefix: &str, what: &str| {
        let lines: String = guest_lines(log, prefix).map(|l| format!("{l}\n")).collect();
        getpid_ns(&lines).ok_or_else(|| format!("{what}: no getpid line"))
    };
    let ((calls, native_ns), (_, alone_ns)) = (getpid(&native, "", "native")?, getpid(&alone, "[linux] ", "under wells")?);
    let mut md = format!("\n{BENCH_TITLE}\n\n");
    md.push_str(&format!(
        "Linux {} (Debian's `linux-image-arm64`) with a busybox initramfs, `cargo xtask linux-guest --bench`, \
         QEMU `-icount shift=0` (one ns of the guest's clock is one instruction; docs/linux-guest.md).\n\n",
        p.release
    ));
    md.push_str("Boot to `/init` (Linux's own timestamp of the line `/init` writes to `/dev/kmsg`, from its clock source's start):\n\n");
    md.push_str("| run | instructions | / native |\n|---|---:|---:|\n");
    for (run, us) in [
        ("natively on QEMU virt (cortex-a57)", n),
        ("as the only VM of the wells hypervisor (`systems/arm64-linux-alone.toml`)", a),
        ("as a VM beside the supervisor demo VM, sharing the CPU (`systems/arm64-linux.toml`)", s),
    ] {
        md.push_str(&format!("| {run} | {} | {:.3} |\n", us * 1000, us as f64 / n as f64));
    }
    md.push_str(&format!(
        "\nA loop of {calls} `getpid` system calls in a static arm64 program (`benchmarks/linux-guest/getpid.c`, \
         `clock_gettime(CLOCK_MONOTONIC)` around it):\n\n"
    ));
    md.push_str("| run | instructions per call | / native |\n|---|---:|---:|\n");
    for (run, ns) in [("natively", native_ns), ("as the only VM of the wells hypervisor", alone_ns)] {
        md.push_str(&format!("| {run} | {:.1} | {:.3} |\n", ns as f64 / calls as f64, ns as f64 / native_ns as f64));
    }
    md.push_str("\nAims (issue 20): boot ≤ 1.10× native, getpid loop ≤ 1.02× native.\n");
    Ok(md)
}

/// `cargo xtask linux-guest [--test | --bench | --module]`: the test steps with a PASS/FAIL
/// tally, the boot benchmark, or only wells.ko inside the guest.
pub fn command(root: &Path, rest: &[String]) -> Result<u8> {
    if rest == ["--bench"] {
        let section = bench_section(root)?;
        print!("{section}");
        crate::bench::replace_report_section(root, BENCH_TITLE, &section)?;
        return Ok(0);
    }
    if rest == ["--module"] {
        let mut summary = crate::summary::Summary::new("xtask linux-guest --module");
        summary.record("wells.ko (arm64) inside the Linux guest of the wells hypervisor", module_in_guest(root));
        return Ok(if summary.finish() { 0 } else { 1 });
    }
    if rest == ["--smp"] {
        let mut summary = crate::summary::Summary::new("xtask linux-guest --smp");
        summary.record("Linux with 2 vCPUs on the wells hypervisor on 2 CPUs", prepare(root).and_then(|p| smp_linux(root, &p)));
        return Ok(if summary.finish() { 0 } else { 1 });
    }
    if !rest.is_empty() && rest != ["--test"] {
        return Err(format!("linux-guest takes --test, --bench, --module or --smp, got `{}`", rest.join(" ")));
    }
    let mut summary = crate::summary::Summary::new("xtask linux-guest --test");
    record(&mut summary, tests(root));
    Ok(if summary.finish() { 0 } else { 1 })
}

/// Adds the steps (or the skip) to a tally.
pub fn record(summary: &mut crate::summary::Summary, steps: Steps) {
    for (name, result) in steps.ran {
        summary.record(&name, result);
    }
    for (name, why) in steps.skipped {
        summary.skip(&name, why);
    }
}

#[cfg(test)]
mod tests {
    use super::{check_guest, check_hyper, check_panic, check_smp};

    /// A shortened log of a good run of systems/arm64-linux.toml.
    const GOOD: &str = "\
wells hypervisor on qemu-virt-arm64: entered at EL2
[linux] [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]
[linux] [    0.000000] random: crng init done
[linux] [    0.014831] KASLR enabled
[demo] wells on qemu-virt-arm64: entered at EL1
[linux] wells-linux-guest: init is running
[linux] wells-linux-guest: uname -r: 6.1.0-57-arm64
[linux]  11:        200 GIC-0  27 Level     arch_timer
[linux] wells-linux-guest: slept 1
[demo] logger (32-bit): average #9 = 431
[linux] wells-linux-guest: slept 3
[linux]  11:        221 GIC-0  27 Level     arch_timer
[linux] wells-linux-guest: getpid 100000 calls in 31000000 ns, 310 ns per call
[linux] wells-linux-guest: done, powering off
wells: vm 'linux' powered off (status 0)
[demo] logger (32-bit): 30 averages logged, done
wells: vm 'demo' powered off (status 0)
";

    #[test]
    fn a_good_run_passes() {
        check_hyper(GOOD, Some(0), "6.1.0-57-arm64").unwrap();
    }

    #[test]
    fn each_missing_piece_fails() {
        let bad = |from: &str, to: &str| check_hyper(&GOOD.replace(from, to), Some(0), "6.1.0-57-arm64").unwrap_err();
        assert!(bad("init is running", "init").contains("never reached /init"));
        assert!(bad("uname -r: 6.1.0-57-arm64", "uname -r: 6.1.0-56-arm64").contains("uname"));
        assert!(bad("221 GIC-0", "200 GIC-0").contains("did not grow"));
        assert!(bad("random: crng init done", "random: crng init pending").contains("seed"));
        assert!(bad("KASLR enabled", "KASLR disabled due to lack of seed").contains("seed"));
        assert!(bad("getpid 100000 calls in", "getpid answered a wrong pid").contains("getpid"));
        assert_eq!(super::getpid_ns(GOOD), Some((100_000, 31_000_000)));
        let alone = GOOD.replace("[demo] logger (32-bit): average #9 = 431\n", "").replace("[demo] wells on qemu-virt-arm64: entered at EL1\n", "");
        assert!(check_hyper(&alone, Some(0), "6.1.0-57-arm64").unwrap_err().contains("did not run side by side"));
        assert!(bad("[demo] logger (32-bit): 30 averages logged, done\n", "").contains("did not go on"));
        assert!(bad("wells: vm 'linux' powered off (status 0)", "wells: vm 'linux' stopped: stage-2 data abort").contains("stopped Linux"));
        assert!(bad("slept 3", "Kernel panic - not syncing: Attempted to kill init!").contains("panicked"));
        assert!(check_hyper(GOOD, Some(1), "6.1.0-57-arm64").is_err());
    }

    /// A shortened log of a good run of systems/arm64-linux-smp.toml: the demo VM may end first.
    fn good_smp() -> String {
        GOOD.replace("wells hypervisor on qemu-virt-arm64: entered at EL2\n", "wells hypervisor on qemu-virt-arm64: entered at EL2\nok - smp kernel: 2 of 2 CPUs joined one kernel\n")
            .replace(
                "[linux] [    0.014831] KASLR enabled\n",
                "[linux] [    0.014831] KASLR enabled\n[linux] [    0.091131] CPU1: Booted secondary processor 0x0000000001 [0x411fd070]\n[linux] [    0.098619] smp: Brought up 1 node, 2 CPUs\n",
            )
            .replace("[linux] wells-linux-guest: slept 3\n", "[linux] wells-linux-guest: slept 3\n[linux] IPI1:       180        193       Function call interrupts\n")
            .replace("[demo] logger (32-bit): 30 averages logged, done\nwells: vm 'demo' powered off (status 0)\n", "")
            .replace("[linux] wells-linux-guest: done", "[demo] logger (32-bit): 30 averages logged, done\nwells: vm 'demo' powered off (status 0)\n[linux] wells-linux-guest: done")
    }

    #[test]
    fn a_good_smp_run_passes_and_each_missing_piece_fails() {
        let good = good_smp();
        check_smp(&good, Some(0), "6.1.0-57-arm64").unwrap();
        let bad = |from: &str, to: &str| {
            assert!(good.contains(from), "{from}");
            check_smp(&good.replace(from, to), Some(0), "6.1.0-57-arm64").unwrap_err()
        };
        assert!(bad("2 of 2 CPUs joined", "1 of 2 CPUs joined").contains("did not both join"));
        assert!(bad("CPU1: Booted secondary", "CPU1: failed to come online").contains("CPU1: Booted"));
        assert!(bad("Brought up 1 node, 2 CPUs", "Brought up 1 node, 1 CPU").contains("2 CPUs"));
        assert!(bad("IPI1:       180        193", "IPI1:       180          0").contains("both CPUs"));
        assert!(bad("uname -r: 6.1.0-57-arm64", "uname -r: 6.1.0-56-arm64").contains("uname"));
        assert!(bad("wells: vm 'demo' powered off (status 0)", "wells: vm 'demo' stopped: a fault").contains("demo VM"));
    }

    #[test]
    fn a_contained_panic_needs_the_panic_the_reset_and_the_demo_to_end() {
        let good = "\
[linux] wells-linux-guest: init exits on purpose
[linux] [    0.789162] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100
wells: vm 'linux' restarts (1): PSCI SYSTEM_RESET
wells: vm 'demo' powered off (status 0)
";
        check_panic(good).unwrap();
        assert!(check_panic(&good.replace("Kernel panic", "Kernel")).unwrap_err().contains("did not panic"));
        assert!(check_panic(&good.replace("restarts (1)", "stopped")).unwrap_err().contains("SYSTEM_RESET"));
        assert!(check_panic(&good.replace("(status 0)", "(status 1)")).unwrap_err().contains("demo"));
    }

    #[test]
    fn the_module_run_needs_its_verdict_both_unloads_and_the_power_off() {
        let cycle = "[linux] [    7.7] wells: unload: wells_run ok (every wells thread exited), shutdown ok\n\
                     [linux] [    7.7] wells: unloaded: live allocations 0, timer armed no\n";
        let good = format!("{cycle}{cycle}[linux] WELLS-TEST: VERDICT PASS\nwells: vm 'linux' powered off (status 0)\n");
        super::check_module(&good, Some(0)).unwrap();
        assert!(super::check_module(&good.replacen("allocations 0", "allocations 3", 1), Some(0)).unwrap_err().contains("live"));
        assert!(super::check_module(&good.replacen(cycle, "", 1), Some(0)).unwrap_err().contains("unload"));
        assert!(super::check_module(&good.replace("VERDICT PASS", "VERDICT FAIL"), Some(0)).is_err());
        assert!(super::check_module(&good.replace("powered off (status 0)", "stopped: stage-2 data abort"), Some(0)).unwrap_err().contains("power"));
        assert!(super::check_module(&good, Some(1)).is_err());
        // Lines of the hypervisor itself are not Linux's: an unprefixed verdict does not count.
        assert!(super::check_module(&good.replace("[linux] WELLS-TEST", "WELLS-TEST"), Some(0)).is_err());
    }

    #[test]
    fn the_mark_is_read_with_or_without_the_vm_prefix() {
        assert_eq!(super::mark_us("[    0.777433] wells-linux-guest: boot reached /init"), Some(777_433));
        assert_eq!(super::mark_us("x\n[linux] [   12.000001] wells-linux-guest: boot reached /init\n"), Some(12_000_001));
        assert_eq!(super::mark_us("[linux] wells-linux-guest: init is running"), None);
    }

    #[test]
    fn native_lines_have_no_prefix() {
        let native: String = GOOD.lines().filter_map(|l| l.strip_prefix("[linux] ")).map(|l| format!("{l}\n")).collect();
        check_guest(&native, "", "6.1.0-57-arm64").unwrap();
    }
}
