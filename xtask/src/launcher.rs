//! `scripts/do-qemuarm`, the original launcher's flags over `cargo xtask`: each flag is run as
//! a test step, checked for the lines it must print and its exit status; `-b` until QEMU's gdb
//! stub listens (then it is killed), and bad flags for their refusal.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::hosted::describe;
use crate::Result;

/// One run of the launcher.
struct Launch {
    flags: &'static [&'static str],
    /// Lines (substrings) it must print, on stdout or stderr.
    expect: &'static [&'static str],
    /// Its exit status; `None`: it must still run (QEMU halted for a debugger) once every
    /// expected line is out and the gdb stub accepts a connection, and is then killed.
    status: Option<i32>,
}

const LAUNCHES: &[Launch] = &[
    Launch {
        flags: &[],
        expect: &["wells on qemu-virt-arm32: entered in SVC mode", "logger (32-bit): 30 averages logged, done", "demo: task logger exited with 0"],
        status: Some(0),
    },
    Launch { flags: &["-3"], expect: &["wells on qemu-mps2-an385 (Cortex-M3)", "logger (32-bit): 30 averages logged, done", "demo: task logger exited with 0"], status: Some(0) },
    Launch {
        flags: &["-6"],
        expect: &["wells on qemu-virt-arm64: entered at EL1", "logger (32-bit): 30 averages logged, done", "demo: task logger exited with 0"],
        status: Some(0),
    },
    Launch { flags: &["-r"], expect: &["wells on qemu-mps3-an536 (Cortex-R52)", "logger (32-bit): 30 averages logged, done", "demo: task logger exited with 0"], status: Some(0) },
    Launch { flags: &["-v"], expect: HYPER_A15, status: Some(0) },
    Launch { flags: &["-6", "-v"], expect: HYPER_ARM64, status: Some(0) },
    Launch {
        flags: &["-m"],
        expect: &[
            "monitor: wells on qemu-virt: entered at EL3, established EL3 (monitor)",
            "wells on qemu-virt-arm64: entered at EL2",
            "demo: task logger exited with 0",
            "monitor: PSCI SYSTEM_OFF after 1 SMCs",
        ],
        status: Some(0),
    },
    Launch { flags: &["-b"], expect: &["QEMU waits halted for a debugger", "-s -S", "qemu-virt-arm32-wells-demo+user.elf"], status: None },
    Launch {
        flags: &["-r", "-v"],
        expect: &[
            "wells partitioning hypervisor on mps3-an536 (Cortex-R52): entered in HYP mode",
            "[tasks] demo: task logger exited with 0",
            "wells: partition 'tasks' powered off (status 0)",
            "wells: partition 'counter' powered off (status 0)",
        ],
        status: Some(0),
    },
    Launch {
        flags: &["-3", "-v"],
        expect: &["wells: 2 partitions of system", "wells: partition 'alpha' ended (status 0)", "wells: partition 'beta' ended (status 0)"],
        status: Some(0),
    },
    Launch {
        flags: &["-m", "-v"],
        expect: &[
            "monitor: wells on qemu-virt: entered at EL3, established EL3 (monitor)",
            "wells (secure world): join below the wells monitor",
            "wells hypervisor: join below the wells monitor",
            "[left] wells: join below the wells hypervisor",
            "[right] wells: join below the wells hypervisor",
            "monitor: PSCI SYSTEM_OFF after ",
        ],
        status: Some(0),
    },
    Launch { flags: &["-3", "-m"], expect: &["do-qemuarm: -m is the arm64 monitor"], status: Some(2) },
    Launch { flags: &["-x"], expect: &["(no flag)  Cortex-A15 virt"], status: Some(2) },
];

/// Both VMs ran the Cortex-A15 supervisor demo to its end.
const HYPER_A15: &[&str] = &[
    "wells hypervisor on qemu-virt-arm32: entered in HYP mode",
    "[left] wells on qemu-virt-arm32: entered in SVC mode",
    "[left] demo: task logger exited with 0",
    "[right] demo: task logger exited with 0",
    "wells: vm 'left' powered off (status 0)",
    "wells: vm 'right' powered off (status 0)",
];

/// Both VMs ran the arm64 supervisor demo to its end.
const HYPER_ARM64: &[&str] = &[
    "wells hypervisor on qemu-virt-arm64: entered at EL2",
    "[left] wells on qemu-virt-arm64: entered at EL1",
    "[left] demo: task logger exited with 0",
    "[right] demo: task logger exited with 0",
    "wells: vm 'left' powered off (status 0)",
    "wells: vm 'right' powered off (status 0)",
];

/// Building an image from scratch, then a demo of a few seconds.
const LIMIT: Duration = Duration::from_secs(300);
/// QEMU's gdb stub (`-s`).
const GDB_STUB: &str = "127.0.0.1:1234";

/// One result per launch.
pub fn tests(root: &Path) -> Vec<(String, Result<()>)> {
    LAUNCHES
        .iter()
        .map(|launch| {
            let line = format!("scripts/do-qemuarm {}", launch.flags.join(" "));
            (format!("{} ({})", line.trim_end(), purpose(launch)), run(root, launch))
        })
        .collect()
}

fn purpose(launch: &Launch) -> &'static str {
    match launch.status {
        Some(0) => "runs its demo",
        Some(_) => "refuses",
        None => "waits for a debugger",
    }
}

fn run(root: &Path, launch: &Launch) -> Result<()> {
    println!("xtask: scripts/do-qemuarm {}", launch.flags.join(" "));
    if launch.status.is_none() && TcpStream::connect(GDB_STUB).is_ok() {
        return Err(format!("something already listens on {GDB_STUB}: QEMU's gdb stub could not be told from it"));
    }
    // Its own process group: the script's cargo, xtask and QEMU go together when killed.
    let mut child = Command::new(root.join("scripts/do-qemuarm"))
        .args(launch.flags)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start scripts/do-qemuarm: {e}"))?;
    let (lines_out, lines) = mpsc::channel();
    let readers = [forward(child.stdout.take(), lines_out.clone()), forward(child.stderr.take(), lines_out)];
    let mut seen: Vec<String> = Vec::new();
    let missing = |seen: &[String]| -> Vec<&str> {
        launch.expect.iter().filter(|want| !seen.iter().any(|line| line.contains(**want))).copied().collect()
    };
    let deadline = Instant::now() + LIMIT;
    let outcome = loop {
        seen.extend(lines.try_iter());
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if launch.status.is_none() && missing(&seen).is_empty() && TcpStream::connect(GDB_STUB).is_ok() => {
                kill_group(&mut child);
                break Err(None);
            }
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                break Err(Some(format!("still running after {} s, killed", LIMIT.as_secs())));
            }
            Ok(None) => sleep(Duration::from_millis(100)),
            Err(e) => {
                kill_group(&mut child);
                break Err(Some(format!("cannot wait for it: {e}")));
            }
        }
    };
    for reader in readers {
        let _ = reader.join();
    }
    seen.extend(lines.try_iter());
    match (outcome, launch.status) {
        (Err(Some(why)), _) => return Err(why),
        (Err(None), _) => return Ok(()),
        (Ok(status), None) => return Err(format!("ended ({}) instead of waiting for a debugger", describe(status))),
        (Ok(status), Some(want)) if status.code() != Some(want) => {
            return Err(format!("ended with {}, expected exit status {want}", describe(status)));
        }
        (Ok(_), Some(_)) => {}
    }
    let missing = missing(&seen);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing output {missing:?}"))
    }
}

/// Echoes a pipe's lines and sends them on.
fn forward(pipe: Option<impl Read + Send + 'static>, lines: mpsc::Sender<String>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Some(pipe) = pipe else { return };
        for line in BufReader::new(pipe).lines().map_while(|l| l.ok()) {
            println!("  | {}", line.trim_end());
            let _ = lines.send(line);
        }
    })
}

/// Ends the launcher and everything it started (its process group).
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
    let _ = child.wait();
}
