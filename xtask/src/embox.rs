//! wells inside embox (a small POSIX RTOS, BSD-2-Clause): embox's `aarch64/qemu` template built
//! with the project folder `adapters/embox` added through embox's own extension mechanism
//! (`make ext_conf EXT_PROJECT_PATH=...`), booted on `qemu-system-aarch64 -M virt`.
//!
//! The embox tree comes from `../shared/third-party/embox-da1cd94.tar.xz` (or a checkout named by
//! `EMBOX_DIR`) and is unpacked or copied into `target/embox/tree/`, never into the repo; the
//! configuration (`conf/`) is written there on every run from the template's files, so a rerun
//! starts from the same text. What the configuration changes, and why: `adapters/embox/README.md`.
//!
//! Test: boots the image under `-icount`; embox runs `wells` at boot (the demo and wells'
//! statistics); at the shell prompt the harness types `wells bogus` and wants the usage line and
//! the prompt again. embox does not power off on aarch64: QEMU is ended once that is seen, or
//! at the hang limit.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::miri::Step;
use crate::Result;

/// `cargo xtask run --board embox`.
pub const BOARD: &str = "embox";
/// The suite's step.
pub const STEP: &str = "embox: wells as a shell command inside embox (aarch64, QEMU -icount): demo, statistics, bad argument";

/// The embox source the suite uses, relative to the repo root.
const TARBALL: &str = "../shared/third-party/embox-da1cd94.tar.xz";
/// The embox template configured, relative to the embox tree.
const TEMPLATE: &str = "templates/aarch64/qemu";
const OUT: &str = "target/embox";
/// The prompt of embox's shell (tish) once `PWD` is set.
const PROMPT: &str = "root@embox:/#";
/// Wall-clock limit of one boot (the demo takes a few seconds of QEMU time under -icount).
const HANG_LIMIT: Duration = Duration::from_secs(120);

/// Programs the build and the boot need (Debian packages in `setup.rs`).
const TOOLS: &[&str] = &["aarch64-linux-gnu-gcc", "python", "make", "cpio", "tar", "xz", "qemu-system-aarch64"];

/// Modules of the template's mods.conf left out. The first two kinds download cJSON at build time
/// (embox.service.http_admin*, embox.demo.website); the rest is what the wells demo does not use
/// (network, PCI, block devices and their filesystems, most shell commands): the build compiles
/// about half the files. A name ending in `.` stands for every module under it.
const DROPPED: &[&str] = &[
    "embox.service.",
    "embox.demo.",
    "embox.net.",
    "embox.cmd.net.",
    "embox.driver.net.",
    "embox.driver.pci",
    "embox.driver.pci_bios",
    "embox.driver.pci_chip.gpex",
    "embox.cmd.lspci",
    "embox.driver.block_dev",
    "embox.fs.driver.ext2",
    "embox.fs.driver.fat",
    "embox.cmd.fs.",
    "embox.cmd.proc.",
    "embox.cmd.hw.",
    "embox.cmd.testing.",
    "embox.cmd.wc",
    "embox.cmd.lsmod",
    "embox.cmd.test",
    "embox.cmd.man",
];

/// Added to mods.conf besides adapters/embox/mods.conf: the RTC driver and the kernel's clock
/// call gmtime_r and mktime without depending on the module that has them (the full template
/// gets it through the commands dropped above).
const ADDED: &[&str] = &["embox.compat.posix.time.time"];

/// Startup commands of the template that need a dropped module (the network).
const DROPPED_STARTUP: &[&str] = &["netmanager", "service ", "ntpdate"];

/// Where the embox tree comes from.
enum Source {
    Tarball(PathBuf),
    Dir(PathBuf),
}

impl Source {
    /// What the tree in target/ was made from: rebuilt from scratch when this changes.
    fn identity(&self) -> String {
        match self {
            Source::Tarball(path) => {
                let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                format!("tarball {} ({size} bytes)\n", path.display())
            }
            Source::Dir(path) => format!("directory {}\n", path.display()),
        }
    }
}

/// Why there is no source to build.
enum NoSource {
    /// This machine lacks a tool or the tarball: the step is skipped.
    Missing(String),
    /// `EMBOX_DIR` names something that is not an embox tree: the user's mistake, a failure.
    Wrong(String),
}

/// The source, or why there is none.
fn source(root: &Path) -> std::result::Result<Source, NoSource> {
    let missing: Vec<&str> = TOOLS.iter().copied().filter(|tool| !on_path(tool)).collect();
    if !missing.is_empty() {
        return Err(NoSource::Missing(format!("missing {} (`cargo xtask setup` installs them, as root)", missing.join(", "))));
    }
    if let Some(dir) = std::env::var_os("EMBOX_DIR") {
        let dir = PathBuf::from(dir);
        if !dir.join(TEMPLATE).join("mods.conf").is_file() {
            return Err(NoSource::Wrong(format!("EMBOX_DIR={} is not an embox tree (no {TEMPLATE}/mods.conf)", dir.display())));
        }
        return Ok(Source::Dir(dir.canonicalize().unwrap_or(dir)));
    }
    let tarball = root.join(TARBALL);
    if !tarball.is_file() {
        return Err(NoSource::Missing(format!("no embox source: {} is missing and EMBOX_DIR is not set", tarball.display())));
    }
    Ok(Source::Tarball(tarball))
}

/// `target/embox/tree`: an embox tree made from `source`, reused while the source is the same.
fn prepare_tree(root: &Path, source: &Source) -> Result<PathBuf> {
    let out = root.join(OUT);
    let tree = out.join("tree");
    let marker = tree.join(".wells-source");
    let identity = source.identity();
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(identity.as_str()) {
        return Ok(tree);
    }
    let tmp = out.join("tree.tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    match source {
        Source::Tarball(tarball) => {
            println!("xtask: unpacking {} into {}", tarball.display(), tree.display());
            let mut tar = Command::new("tar");
            tar.arg("-xJf").arg(tarball).arg("-C").arg(&tmp);
            crate::run_status(&mut tar, &format!("tar -xJf {}", tarball.display()))?;
        }
        Source::Dir(dir) => {
            println!("xtask: copying EMBOX_DIR={} into {}", dir.display(), tree.display());
            let mut cp = Command::new("cp");
            cp.arg("-a").arg(dir).arg(tmp.join("embox"));
            crate::run_status(&mut cp, &format!("cp -a {}", dir.display()))?;
            // Outputs of the user's own builds are not ours to reuse.
            for generated in ["build", "conf", "ext_project"] {
                let path = tmp.join("embox").join(generated);
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
    std::fs::rename(tmp.join("embox"), &tree).map_err(|e| format!("cannot move the embox tree to {}: {e}", tree.display()))?;
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::write(&marker, identity).map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    Ok(tree)
}

/// The module a mods.conf line includes (`@Runlevel(2) include embox.net.core(...)`).
fn included_module(line: &str) -> Option<&str> {
    let rest = line.split("include ").nth(1)?;
    Some(rest.split(|c: char| c == '(' || c.is_whitespace()).next().unwrap_or(rest))
}

fn dropped(module: &str) -> bool {
    DROPPED.iter().any(|d| if d.ends_with('.') { module.starts_with(d) } else { module == *d })
}

/// The template's mods.conf without the dropped modules (an include may span lines until its
/// parentheses close), with ours added before the closing brace.
pub fn mods_conf(template: &str, ours: &str) -> Result<String> {
    let mut out = Vec::new();
    let mut skipping = 0i32;
    for line in template.lines() {
        let depth = line.matches('(').count() as i32 - line.matches(')').count() as i32;
        if skipping > 0 {
            skipping += depth;
            continue;
        }
        if included_module(line).is_some_and(dropped) {
            skipping = depth;
            continue;
        }
        out.push(line.to_string());
    }
    let close = out.iter().rposition(|line| line.trim() == "}").ok_or("the template's mods.conf has no closing `}`")?;
    let mut added: Vec<String> = vec!["\t/* added by cargo xtask (xtask/src/embox.rs, adapters/embox/mods.conf) */".to_string()];
    added.extend(ADDED.iter().map(|m| format!("\tinclude {m}")));
    added.extend(ours.lines().filter(|l| l.trim_start().starts_with("include ")).map(|l| format!("\t{}", l.trim())));
    out.splice(close..close, added);
    Ok(out.join("\n") + "\n")
}

/// The template's startup commands without the network's, ours before the shell (`"tish",`).
fn system_start(template: &str, ours: &str) -> Result<String> {
    let mut out: Vec<String> = template
        .lines()
        .filter(|line| !DROPPED_STARTUP.iter().any(|d| line.trim_start_matches('"').starts_with(d)))
        .map(str::to_string)
        .collect();
    let shell = out.iter().position(|line| line.trim() == "\"tish\",").ok_or("the template's system_start.inc does not start tish")?;
    out.splice(shell..shell, ours.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
    Ok(out.join("\n") + "\n")
}

/// The template's build.conf with Debian's cross compiler and no debug information.
fn build_conf(template: &str) -> String {
    template
        .lines()
        .map(|line| match line.trim() {
            l if l.starts_with("CROSS_COMPILE =") => "CROSS_COMPILE = aarch64-linux-gnu-".to_string(),
            "CFLAGS += -O0 -g3" => "CFLAGS += -O0".to_string(),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Writes `tree/conf/` from the template and adapters/embox (only files whose text changed, so
/// an unchanged configuration rebuilds nothing) and links adapters/embox in with `make ext_conf`.
fn configure(root: &Path, tree: &Path) -> Result<()> {
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let template = tree.join(TEMPLATE);
    let adapter = root.join("adapters/embox");
    let conf = tree.join("conf");
    std::fs::create_dir_all(conf.join("rootfs")).map_err(|e| format!("cannot create {}: {e}", conf.display()))?;
    let files = [
        ("mods.conf", mods_conf(&read(&template.join("mods.conf"))?, &read(&adapter.join("mods.conf"))?)?),
        ("system_start.inc", system_start(&read(&template.join("system_start.inc"))?, &read(&adapter.join("system_start.inc"))?)?),
        ("build.conf", build_conf(&read(&template.join("build.conf"))?)),
        ("lds.conf", read(&template.join("lds.conf"))?),
    ];
    for (name, text) in files {
        write_if_changed(&conf.join(name), &text)?;
    }
    let mut ext = Command::new("make");
    ext.current_dir(tree).arg("ext_conf").arg(format!("EXT_PROJECT_PATH={}", adapter.display())).stdout(Stdio::null());
    crate::run_status(&mut ext, "make ext_conf (embox)")
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// libwells.a for aarch64, then embox with wells; the image, after saying how long make took.
fn build(root: &Path, source: &Source) -> Result<PathBuf> {
    let aarch64 = crate::library_arm::LIBRARIES
        .iter()
        .find(|l| l.target == crate::library_arm::AARCH64)
        .expect("the aarch64 library is in LIBRARIES");
    crate::library_arm::build(root, aarch64)?;
    let tree = prepare_tree(root, source)?;
    configure(root, &tree)?;
    let log_path = root.join(OUT).join("build.log");
    println!("xtask: building embox with wells (make -j2 in {}; log in {})", tree.display(), log_path.display());
    let start = Instant::now();
    let log = std::fs::File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let status = Command::new("make")
        .current_dir(&tree)
        .arg("-j2")
        .stdout(log)
        .stderr(err)
        .status()
        .map_err(|e| format!("cannot run make: {e}"))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let errors: Vec<&str> = text.lines().filter(|l| l.contains("error:") || l.contains("***")).take(12).collect();
        return Err(format!("embox's make failed ({status}); log in {}:\n{}", log_path.display(), errors.join("\n")));
    }
    println!("xtask: embox built in {:.0} s", start.elapsed().as_secs_f64());
    let image = tree.join("build/base/bin/embox");
    if !image.is_file() {
        return Err(format!("make finished but {} is missing", image.display()));
    }
    Ok(image)
}

/// The QEMU command line of the board (the issue's, without a network).
fn qemu(image: &Path) -> Command {
    let mut qemu = Command::new("qemu-system-aarch64");
    qemu.args(["-M", "virt,gic-version=3", "-cpu", "cortex-a53", "-m", "1024", "-nic", "none", "-nographic", "-kernel"]).arg(image);
    qemu
}

/// Boots under -icount; at the first prompt types `wells bogus`; ends QEMU once the prompt is
/// back after the usage line (or at the hang limit). The console output.
fn boot_and_drive(root: &Path, image: &Path) -> Result<String> {
    let mut command = qemu(image);
    command.args(["-icount", "shift=0,align=off,sleep=off"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    println!("xtask: booting embox in qemu-system-aarch64 (-icount), limit {} s", HANG_LIMIT.as_secs());
    let mut child = command.spawn().map_err(|e| format!("cannot start qemu-system-aarch64: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let output = Arc::new(Mutex::new(String::new()));
    let reader = {
        let output = Arc::clone(&output);
        let mut stdout = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                output.lock().expect("reader").push_str(&String::from_utf8_lossy(&buf[..n]).replace('\r', ""));
            }
        })
    };
    let start = Instant::now();
    let mut typed = false;
    let mut done = false;
    while start.elapsed() < HANG_LIMIT {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        let text = output.lock().expect("reader").clone();
        if !typed && text.contains(PROMPT) {
            // tish reads a carriage return as the end of a line.
            stdin.write_all(b"wells bogus\r").map_err(|e| format!("cannot type into QEMU: {e}"))?;
            typed = true;
        }
        if typed && text.split("usage: wells").nth(1).is_some_and(|after| after.contains(PROMPT)) {
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut errors);
    }
    let log = output.lock().expect("reader").clone();
    let log_path = root.join(OUT).join("boot.log");
    let _ = std::fs::write(&log_path, &log);
    for line in log.lines().filter(|l| l.starts_with("wells") || l.starts_with("usage")) {
        println!("  | {line}");
    }
    if !done {
        let what = if typed { "the usage line and the prompt after `wells bogus`" } else { "the shell prompt" };
        return Err(format!(
            "no {what} within {} s (hang or crash); log in {}{}",
            HANG_LIMIT.as_secs(),
            log_path.display(),
            if errors.trim().is_empty() { String::new() } else { format!("; qemu: {}", errors.trim()) }
        ));
    }
    Ok(log)
}

/// Lines the boot must show: the demo's results, wells' statistics, the bad argument's usage.
const EXPECTED: &[&str] = &[
    "wells: demo start: wells inside an embox task",
    "wells: port: 200 of 200 messages, 0 out of order, 0 bad checksums",
    "wells: timer: 10 posts of a 5 ms periodic timer in ",
    "wells: busy: the sleeper woke after ",
    "wells: transaction transfer: debit ok, credit ok",
    "wells: transaction doomed: vote transaction aborted, reason conflict",
    "wells: accounts: from 999, to 30",
    "wells: stats: thread producer ",
    "wells: stats: thread consumer ",
    "wells: stats: thread timer-waiter ",
    "wells: stats: thread spinner ",
    "wells: stats: transaction doomed: switches ",
    "wells: stats: heap ",
    "wells: stats: ticks from the embox ticker: ",
    "wells: demo passed",
    "wells: unknown arguments (bogus)",
    "usage: wells [demo | help]",
];

/// Lines that mean something broke (a failed check, a wells or embox panic, a CPU exception).
const BAD: &[&str] = &["check failed", "FAILED", "wells panic", "panic", "ASSERT", "Unhandled", "exception"];

/// The latest a 10 ms sleep may end while another wells thread computes, in µs (QEMU time under
/// -icount): the ticker looks every millisecond and embox's clock counts whole milliseconds. A
/// ticker that waits for the end of an embox time slice shows about 100 ms.
const LATEST_WAKE_US: u64 = 15_000;

/// Judges a boot's console output.
pub fn judge(log: &str) -> Result<()> {
    if let Some(bad) = log.lines().find(|line| BAD.iter().any(|b| line.contains(b))) {
        return Err(format!("bad line: {bad}"));
    }
    let missing: Vec<&str> = EXPECTED.iter().copied().filter(|line| !log.lines().any(|l| l.starts_with(line))).collect();
    if !missing.is_empty() {
        return Err(format!("missing lines: {}", missing.join(" | ")));
    }
    let woke_us = log
        .lines()
        .find_map(|l| l.strip_prefix("wells: busy: the sleeper woke after "))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or("the busy line gives no wake-up time")?;
    if woke_us > LATEST_WAKE_US {
        return Err(format!("the sleeper woke {woke_us} us after a 10 ms sleep (at most {LATEST_WAKE_US}): ticks came late"));
    }
    Ok(())
}

/// The suite's step: build embox with wells, boot it, judge what it printed. Skipped when the
/// tools or the embox source are missing.
pub fn test(root: &Path) -> Step {
    let source = match source(root) {
        Ok(source) => source,
        Err(NoSource::Missing(why)) => return Step::Skipped(why),
        Err(NoSource::Wrong(why)) => return Step::Ran(Err(why)),
    };
    Step::Ran(build(root, &source).and_then(|image| boot_and_drive(root, &image)).and_then(|log| judge(&log)))
}

/// `cargo xtask run --board embox`: builds, then boots embox with the console on this terminal
/// (wells runs at boot; type `wells` again at the prompt; Ctrl-A X quits QEMU).
pub fn run(root: &Path) -> Result<u8> {
    let source = source(root).map_err(|(NoSource::Missing(why) | NoSource::Wrong(why))| why)?;
    let image = build(root, &source)?;
    println!("xtask: booting embox: `wells` runs at boot; at the prompt try `wells`, `wells help`, `wells bogus`; Ctrl-A then X quits");
    let status = qemu(&image).status().map_err(|e| format!("cannot start qemu-system-aarch64: {e}"))?;
    Ok(if status.success() { 0 } else { 1 })
}

/// `command -v program`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::{judge, mods_conf, system_start, Step, EXPECTED};

    /// The suite's step alone (minutes: builds and boots embox):
    /// `cargo test -p xtask embox_step -- --ignored --nocapture`.
    #[test]
    #[ignore = "builds and boots embox; run with --ignored"]
    fn embox_step() {
        match super::test(&crate::repo_root()) {
            Step::Ran(result) => result.unwrap(),
            Step::Skipped(why) => panic!("skipped: {why}"),
        }
    }

    #[test]
    fn mods_conf_drops_whole_includes_and_adds_ours() {
        let template = "configuration conf {\n\tinclude embox.kernel.irq\n\t@Runlevel(2) include embox.net.skbuff_data(\n\t\tamount=4000,\n\t\tsize=1514)\n\tinclude embox.service.http_admin_iface_list(is_readonly=true)\n\tinclude embox.cmd.test\n\tinclude embox.cmd.testing.ticker\n\tinclude embox.cmd.sys.date\n}\n";
        let text = mods_conf(template, "/* ours */\n\tinclude wells.embox.wells_cmd\n").unwrap();
        assert!(text.contains("include embox.kernel.irq"));
        assert!(text.contains("include embox.cmd.sys.date"));
        assert!(!text.contains("net") && !text.contains("amount") && !text.contains("http_admin") && !text.contains("cmd.test"));
        assert!(text.contains("\tinclude wells.embox.wells_cmd\n}"));
    }

    #[test]
    fn startup_loses_the_network_and_runs_wells_before_the_shell() {
        let template = "\"export PWD=/\",\n\"netmanager\",\n\"service telnetd\",\n\"ntpdate 0.pool\",\n\"tish\",\n";
        assert_eq!(system_start(template, "\"wells\",\n").unwrap(), "\"export PWD=/\",\n\"wells\",\n\"tish\",\n");
    }

    #[test]
    fn judge_wants_every_line_and_no_bad_one() {
        let good = EXPECTED.join("\n").replace("woke after ", "woke after 11000 us");
        assert!(judge(&good).is_ok());
        assert!(judge(&good.replace("after 11000 us", "after 102000 us")).is_err());
        assert!(judge(&good.replace("wells: demo passed", "")).is_err());
        assert!(judge(&format!("{good}\nwells: check failed: x")).is_err());
    }
}
