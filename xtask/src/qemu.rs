//! QEMU boards: build a board image and boot it under QEMU with a time limit, checking its
//! exit status (semihosting) and the lines it must print. A board is a description ([`Board`]:
//! crate, target, QEMU, user programs, test plan); this file has the arm64 one, `arm32.rs` and
//! `cortex_m3.rs` the others.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::hosted::describe;
use crate::user_apps::{self, UserPrograms};
use crate::Result;

/// A board image crate and how to build it.
pub struct Board {
    /// Name used by `run --board`.
    pub name: &'static str,
    /// Its image crate in `images/`.
    pub package: &'static str,
    /// Features every build of it gets: the board and the level its image crate builds
    /// (`qemu-virt`, `supervisor`...). They do not appear in image names.
    pub base_features: &'static [&'static str],
    /// Its description, `boards/<description>.toml`: Rust target, QEMU program and options.
    pub description: &'static str,
    /// The CPU family of the description the image is for.
    pub cpu: &'static str,
    /// QEMU options its images need beyond the board's own (memory size).
    pub options: &'static [&'static str],
    /// The user programs its images embed, by feature (built first).
    pub user_programs: &'static [UserPrograms],
    /// Other boards' images its images embed as guests (built first).
    pub guest_images: &'static [GuestImage],
    /// What its image names in `target/images/` start with.
    pub image_prefix: &'static str,
    /// How `run`, `debug` and `bench` boot it.
    pub plain_boot: Boot,
    /// Features of the demo image `run` boots.
    pub demo_features: &'static [&'static str],
    /// Features of its benchmark image (`cargo xtask bench`).
    pub bench_features: &'static [&'static str],
    /// The system (`systems/<name>.toml`) its demo image runs when none is named: the one its
    /// image crate's build script defaults to.
    pub system: &'static str,
    /// Its test plan: the images `test` builds and how each must boot.
    pub tests: &'static [TestImage],
    /// A boot of the plan repeated on the description's other QEMU models.
    pub every_model: Option<EveryModel>,
    /// Set for a monitor (firmware) board: its images boot as QEMU's `-bios` (a flat binary
    /// `build` writes beside the ELF) and `run` loads this normal world below them
    /// (`-device loader`).
    pub normal_world: Option<NormalWorld>,
}

/// The image a monitor's normal world runs: a binary of another board, built with the system
/// its description names.
pub struct NormalWorld {
    pub board: &'static Board,
    pub bin: &'static str,
    pub features: &'static [&'static str],
}

/// A boot the test plan repeats on every QEMU model of the board's CPU family after the first
/// (the one its other boots use): a CPU model added to the description is tested with no code.
pub struct EveryModel {
    pub bin: &'static str,
    pub features: &'static [&'static str],
    /// The boot's name; the model is appended.
    pub name: &'static str,
    pub machine: &'static str,
    pub expect: &'static [&'static str],
}

/// What a board's description says about one of its CPU families.
pub struct Facts {
    /// Rust target its images build for.
    pub target: String,
    /// Standard crates built from source for a target rustup has no prebuilt std for
    /// (`-Zbuild-std`, with `RUSTC_BOOTSTRAP=1` for that build only); empty: prebuilt.
    pub build_std: Vec<String>,
    /// QEMU program.
    pub qemu: String,
    /// QEMU options every boot of the board gets.
    pub options: Vec<String>,
    /// QEMU `-cpu` models the board runs this family with; the first is the default.
    pub models: Vec<String>,
}

impl Board {
    /// Reads the board's description; a bad one ends xtask with its message (file, line, field).
    pub fn facts(&self) -> Facts {
        let described = wells_board::load(&crate::repo_root().join("boards"), self.description)
            .and_then(|description| {
                let cpu = description.cpu(self.cpu)?;
                Ok(Facts {
                    target: cpu.target.clone(),
                    build_std: cpu.build_std.clone(),
                    qemu: cpu.qemu.clone(),
                    options: description.options.clone(),
                    models: cpu.models.get_ref().clone(),
                })
            });
        described.unwrap_or_else(|message| {
            eprintln!("xtask: bad board description: {message}");
            std::process::exit(2)
        })
    }
}

/// The arm64 `virt` board. Its image names have no prefix (they came first).
pub const VIRT_ARM64: Board = Board {
    name: "qemu-virt-arm64",
    package: "wells-image-arm64",
    base_features: &["supervisor"],
    description: "qemu-virt",
    cpu: "arm64",
    options: &["-m", "256M"],
    user_programs: &[
        UserPrograms { user: &user_apps::A64, features: &["user", "user32", "bench"] },
        UserPrograms { user: &user_apps::A32, features: &["user32"] },
    ],
    guest_images: &[],
    image_prefix: "",
    // EL1 entry, cortex-a53.
    plain_boot: Boot { name: "virt", machine: "virt", cpu: "cortex-a53", expect: &[], status: 0 },
    // The demo with 64- and 32-bit tasks.
    demo_features: &["user32"],
    bench_features: &["bench"],
    system: "arm64-tasks",
    tests: ARM64_TESTS,
    // cortex-a57, cortex-a72: the most complete supervisor boot on each other model.
    every_model: Some(EveryModel {
        bin: "wells-test",
        features: &["user32"],
        name: "arm64 64+32-bit user tasks, EL1 entry",
        machine: "virt",
        expect: &["entered at EL1", "ok - user32_faults_are_contained", " passed, 0 failed"],
    }),
    normal_world: None,
};

/// An image of another board that a hypervisor image embeds as a guest: built first, its path
/// handed to the build in environment variable `env`.
pub struct GuestImage {
    pub board: &'static Board,
    pub bin: &'static str,
    pub features: &'static [&'static str],
    pub env: &'static str,
    /// Built only for hypervisor images with one of these features (always when empty).
    pub when: &'static [&'static str],
}

/// One way of booting an image: machine options, CPU, and what must be seen.
pub struct Boot {
    pub name: &'static str,
    pub machine: &'static str,
    pub cpu: &'static str,
    /// Lines (substrings) the run must print, in any order.
    pub expect: &'static [&'static str],
    /// The semihosting exit status that counts as passing.
    pub status: i32,
}

/// An image to test: a binary of the board crate with features, and the boots it must pass.
pub struct TestImage {
    pub bin: &'static str,
    pub features: &'static [&'static str],
    pub boots: &'static [Boot],
}

const EL1_A53: &[&str] = &["entered at EL1", "running at EL1"];

/// The arm64 test plan: kernel threads alone; 64-bit user tasks; 64+32-bit user tasks at every
/// entry level QEMU offers and on a second CPU; and a kernel fault that must be reported.
pub const ARM64_TESTS: &[TestImage] = &[
    TestImage {
        bin: "wells-test",
        features: &[],
        boots: &[Boot { name: "arm64 kernel threads, EL1 entry (cortex-a53)", machine: "virt", cpu: "cortex-a53", expect: EL1_A53, status: 0 }],
    },
    TestImage {
        bin: "wells-test",
        features: &["user"],
        boots: &[Boot {
            name: "arm64 64-bit user tasks, EL1 entry (cortex-a53)",
            machine: "virt",
            cpu: "cortex-a53",
            expect: &["running at EL1", "ok - user_faults_are_contained", "ok - user_full_handle_table_leaks_nothing", " passed, 0 failed"],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-test",
        features: &["user32"],
        boots: &[
            Boot {
                name: "arm64 64+32-bit user tasks, EL1 entry (cortex-a53)",
                machine: "virt",
                cpu: "cortex-a53",
                expect: &["entered at EL1", "ok - user32_faults_are_contained", " passed, 0 failed"],
                status: 0,
            },
            Boot {
                name: "arm64 64+32-bit user tasks, EL2 entry (cortex-a53, virtualization=on)",
                machine: "virt,virtualization=on",
                cpu: "cortex-a53",
                expect: &["entered at EL2", "dropped to EL1", "running at EL1", "ok - user32_faults_are_contained", " passed, 0 failed"],
                status: 0,
            },
            Boot {
                name: "arm64 64+32-bit user tasks, EL3 entry (cortex-a53, secure=on,virtualization=on)",
                machine: "virt,secure=on,virtualization=on",
                cpu: "cortex-a53",
                expect: &["entered at EL3", "dropped to EL2", "dropped to EL1", "running at EL1", "ok - user32_faults_are_contained", " passed, 0 failed"],
                status: 0,
            },
        ],
    },
    TestImage {
        bin: "wells-test",
        features: &["user32", "fuzz"],
        boots: &[Boot {
            name: "arm64 system-call fuzzing: 100 000 calls each from a 64- and a 32-bit task (cortex-a53)",
            machine: "virt",
            cpu: "cortex-a53",
            expect: &["fuzz syscalls (64-bit): 100000 calls, ", "fuzz syscalls (32-bit): 100000 calls, ", "ok - user_syscall_fuzz", "ok - user32_syscall_fuzz", " passed, 0 failed"],
            status: 0,
        }],
    },
    TestImage {
        bin: "wells-kernel-fault",
        features: &[],
        boots: &[Boot {
            name: "arm64 kernel stack overflow is reported",
            machine: "virt",
            cpu: "cortex-a53",
            expect: &["kernel stack overflow: the guard page", "unexpected exception: data abort at the same level", "ESR=", "FAR=", "ELR="],
            status: 101,
        }],
    },
];

/// Time a test boot may take before it counts as hung. Only a real hang waits this long; the
/// longest boot (the system-call fuzzer, about 30 s of CPU) must pass on a host busy several
/// times over: at 90 s it was killed once while six builds shared the two cores.
const BOOT_LIMIT: Duration = Duration::from_secs(240);

/// Builds binary `bin` of a board with `features` (building the user programs they embed
/// first); returns a copy of the ELF in `target/images/` named after the board, the binary and
/// the features, so images of other boards and features survive.
pub fn build(root: &Path, board: &Board, bin: &str, features: &[&str]) -> Result<PathBuf> {
    build_with_env(root, board, bin, features, &[])
}

/// [`build`] with more environment variables for the image's own build (such as the soak's
/// length); guests and user programs are built without them.
pub fn build_with_env(root: &Path, board: &Board, bin: &str, features: &[&str], env: &[(&str, String)]) -> Result<PathBuf> {
    let facts = board.facts();
    cargo_image(root, board, &["build", "--bin", bin], features, env, &[])?;
    let built = root.join("target").join(&facts.target).join("release").join(bin);
    let images = root.join("target").join("images");
    std::fs::create_dir_all(&images).map_err(|e| format!("cannot create {}: {e}", images.display()))?;
    let mut name = format!("{}{bin}", board.image_prefix);
    for feature in features {
        name.push('+');
        name.push_str(feature);
    }
    let image = images.join(format!("{name}.elf"));
    std::fs::copy(&built, &image).map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), image.display()))?;
    if board.normal_world.is_some() {
        crate::monitor::flat_binary(&image, &image.with_extension("bin"))?;
    }
    Ok(image)
}

/// Clippy over the board's image crate with `features`: the library and every binary those
/// features build, warnings denied.
pub fn clippy(root: &Path, board: &Board, features: &[&str]) -> Result<()> {
    cargo_image(root, board, &["clippy", "--bins"], features, &[], &["--", "-D", "warnings"])
}

/// Runs cargo `command` on the board's image crate for its target with its base features and
/// `features`, after building what the image embeds (user programs, guest images).
fn cargo_image(root: &Path, board: &Board, command: &[&str], features: &[&str], env: &[(&str, String)], tail: &[&str]) -> Result<()> {
    let mut environment = user_apps::build_for_features(root, board.user_programs, features)?;
    for guest in board.guest_images {
        if guest.when.is_empty() || guest.when.iter().any(|feature| features.contains(feature)) {
            environment.push((guest.env, build(root, guest.board, guest.bin, guest.features)?));
        }
    }
    let facts = board.facts();
    let mut args: Vec<&str> = command.to_vec();
    args.extend(["--release", "-p", board.package, "--target", facts.target.as_str()]);
    let joined = board.base_features.iter().chain(features).copied().collect::<Vec<_>>().join(",");
    if !joined.is_empty() {
        args.extend(["--features", joined.as_str()]);
    }
    let build_std = format!("-Zbuild-std={}", facts.build_std.join(","));
    if !facts.build_std.is_empty() {
        // compiler_builtins then also provides memcpy and friends (no libc here).
        args.extend([build_std.as_str(), "-Zbuild-std-features=compiler-builtins-mem"]);
    }
    args.extend(tail);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    // A system is chosen only for the image it is given to (`env`), never for its guests.
    command.args(&args).current_dir(root).env_remove("WELLS_SYSTEM").envs(environment).envs(env.iter().map(|(k, v)| (*k, v)));
    if !facts.build_std.is_empty() {
        command.env("RUSTC_BOOTSTRAP", "1");
    }
    crate::run_status(&mut command, &format!("cargo {}", args.join(" ")))
}


/// The QEMU command for `boot` with `extra` options before `-kernel <image>` (a monitor
/// board's: `-bios <image as a flat binary>`).
pub fn qemu_command_with<S: AsRef<std::ffi::OsStr>>(board: &Board, boot: &Boot, image: &Path, extra: &[S]) -> Command {
    let facts = board.facts();
    let mut qemu = Command::new(&facts.qemu);
    qemu.args(["-M", boot.machine, "-cpu", boot.cpu, "-nographic"])
        .args(&facts.options)
        .args(board.options)
        .args(["-semihosting-config", "enable=on,target=native"])
        .args(extra);
    if board.normal_world.is_some() {
        qemu.arg("-bios").arg(image.with_extension("bin"));
    } else {
        qemu.arg("-kernel").arg(image);
    }
    qemu
}

/// One virtual-clock tick per instruction: the guest's time follows the instructions it ran,
/// not the host's clock, so figures repeat exactly (benchmarks) and a test's timing checks give
/// the same verdict on an idle and on a loaded host (test boots). `sleep=off`: an idle guest
/// jumps to its next timer deadline at once.
pub(crate) const ICOUNT: &[&str] = &["-icount", "shift=0,align=off,sleep=off"];

/// The QEMU command that boots a bench image under `-icount`.
pub fn bench_command(board: &Board, image: &Path) -> Command {
    qemu_command_with(board, &board.plain_boot, image, ICOUNT)
}

/// A command as one shell line, paths under `root` written relative to it.
pub fn command_line(command: &Command, root: &Path) -> String {
    let prefix = format!("{}/", root.display());
    let words: Vec<String> = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|word| word.to_string_lossy().replace(&prefix, ""))
        .collect();
    words.join(" ")
}

/// Boots `image` under `-icount` and checks it: the expected exit status, every expected
/// line, within the (wall-clock) time limit.
pub fn test_boot(root: &Path, board: &Board, boot: &Boot, image: &Path) -> Result<()> {
    test_boot_within(root, board, boot, image, BOOT_LIMIT)
}

/// [`test_boot`] with its own wall-clock limit (a soak runs longer).
pub fn test_boot_within(root: &Path, board: &Board, boot: &Boot, image: &Path, limit: Duration) -> Result<()> {
    test_boot_with(root, board, boot, image, &[], limit)
}

/// [`test_boot_within`] with more QEMU options (a monitor's normal world).
pub fn test_boot_with(root: &Path, board: &Board, boot: &Boot, image: &Path, extra: &[String], limit: Duration) -> Result<()> {
    let options: Vec<String> = ICOUNT.iter().map(|option| option.to_string()).chain(extra.iter().cloned()).collect();
    test_boot_options(root, board, boot, image, &options, limit)
}

/// [`test_boot_with`] with exactly these QEMU options, no `-icount` added: the SMP boots run
/// under multi-threaded TCG, which `-icount` excludes (`smp.rs`).
pub fn test_boot_options(root: &Path, board: &Board, boot: &Boot, image: &Path, options: &[String], limit: Duration) -> Result<()> {
    let qemu = board.facts().qemu;
    println!("xtask: booting {} on {qemu} -M {} -cpu {} {}", image.display(), boot.machine, boot.cpu, options.join(" "));
    let mut child = qemu_command_with(board, boot, image, options)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {qemu}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout from QEMU")?;
    let (lines_out, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            println!("  | {}", line.trim_end());
            let _ = lines_out.send(line);
        }
    });
    let status = match crate::child::wait_within(&mut child, limit) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = reader.join();
            return Err(format!("{}: hung, killed after {} s", boot.name, limit.as_secs()));
        }
        Err(e) => return Err(format!("cannot wait for QEMU: {e}")),
    };
    let _ = reader.join();
    let output: Vec<String> = lines.try_iter().collect();
    if status.code() != Some(boot.status) {
        return Err(format!("{}: QEMU ended with {}, expected exit status {}", boot.name, describe(status), boot.status));
    }
    let missing: Vec<&str> = boot
        .expect
        .iter()
        .filter(|want| !output.iter().any(|line| line.contains(**want)))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(format!("{}: missing output {:?}", boot.name, missing));
    }
    Ok(())
}

/// Builds every arm64 test image and boots each of its configurations; one result per boot.
pub fn run_arm64_tests(root: &Path) -> Vec<(String, Result<()>)> {
    run_tests(root, &VIRT_ARM64)
}

/// Builds every test image of `board` and boots each of its configurations; one result per
/// boot.
pub fn run_tests(root: &Path, board: &Board) -> Vec<(String, Result<()>)> {
    let mut results = Vec::new();
    for test in board.tests {
        match build(root, board, test.bin, test.features) {
            Ok(image) => {
                for boot in test.boots {
                    results.push((boot.name.to_string(), test_boot(root, board, boot, &image)));
                }
            }
            Err(e) => {
                for boot in test.boots {
                    results.push((boot.name.to_string(), Err(format!("image not built: {e}"))));
                }
            }
        }
    }
    if let Some(sweep) = &board.every_model {
        let image = build(root, board, sweep.bin, sweep.features);
        for model in board.facts().models.iter().skip(1) {
            // xtask runs once and ends: leaking two short strings keeps `Boot` all-static.
            let name: &'static str = Box::leak(format!("{} ({model})", sweep.name).into_boxed_str());
            let cpu: &'static str = Box::leak(model.clone().into_boxed_str());
            let boot = Boot { name, machine: sweep.machine, cpu, expect: sweep.expect, status: 0 };
            let result = match &image {
                Ok(image) => test_boot(root, board, &boot, image),
                Err(e) => Err(format!("image not built: {e}")),
            };
            results.push((name.to_string(), result));
        }
    }
    results
}

/// `cargo xtask run --system <name>`: builds the board's demo image for `system` and boots it
/// interactively; returns QEMU's exit status.
pub fn run_demo(root: &Path, board: &Board, system: &str) -> Result<u8> {
    let image = build_with_env(root, board, "wells-demo", board.demo_features, &crate::systems::env(board, system)?)?;
    let extra = crate::monitor::normal_world_options(root, board, system, &image)?;
    interactive(root, board, qemu_command_with(board, &board.plain_boot, &image, &extra))
}

/// Every QEMU board `run` and `debug` know.
pub const QEMU_BOARDS: [&Board; 9] = [
    &VIRT_ARM64,
    &crate::monitor::VIRT_ARM64_MONITOR,
    &crate::hyper::VIRT_ARM64_HYPER,
    &crate::hyper::VIRT_ARM32_HYPER,
    &crate::arm32::VIRT_ARM32,
    &crate::cortex_m3::MPS2_AN385,
    &crate::cortex_r52::MPS3_AN536,
    &crate::cortex_r52::MPS3_AN536_HYPER,
    &crate::m3_partitions::MPS2_AN385_PARTITIONS,
];

/// Runs QEMU on this terminal until it ends; returns its exit status.
pub fn interactive(root: &Path, board: &Board, mut qemu: Command) -> Result<u8> {
    let status = qemu.current_dir(root).status().map_err(|e| format!("cannot start {}: {e}", board.facts().qemu))?;
    match status.code() {
        Some(code) => Ok(code.clamp(0, 255) as u8),
        None => Err(format!("QEMU ended with {}", describe(status))),
    }
}

/// Binaries `debug --bin` accepts; the first is the default.
const DEBUG_BINS: &[&str] = &["wells-demo", "wells-test"];

const DEBUG_HELP: &str = "\
usage: cargo xtask debug [--system <system> | --board qemu-virt-arm64|qemu-virt-arm64-monitor|qemu-virt-arm64-hyper|qemu-virt-arm32-hyper|qemu-virt-arm32|qemu-mps2-an385|qemu-mps3-an536]
                         [--bin wells-demo|wells-test]

Builds the image (default: the demo of the board's default system, or of the system
named: `cargo xtask run --help` lists them) and starts QEMU halted at its first
instruction with the gdb stub on TCP port 1234 (-s -S); prints the gdb command to
attach first.
";

/// `cargo xtask debug [--board B] [--bin NAME]`: parses the options, then [`debug`].
pub fn debug_command(root: &Path, rest: &[String]) -> Result<u8> {
    let (mut board, mut bin, mut system) = (VIRT_ARM64.name.to_string(), DEBUG_BINS[0].to_string(), String::new());
    let mut args = rest.iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--help" | "-h" => {
                print!("{DEBUG_HELP}");
                return Ok(0);
            }
            "--board" => &mut board,
            "--bin" => &mut bin,
            "--system" => &mut system,
            other => crate::usage_error(&format!("unknown option `{other}` for `debug`"), DEBUG_HELP),
        };
        match args.next() {
            Some(value) => *slot = value.clone(),
            None => crate::usage_error(&format!("`{arg}` needs a value"), DEBUG_HELP),
        }
    }
    if !system.is_empty() {
        let chosen = crate::systems::board_for(&crate::systems::load(root, &system)?)?;
        board = chosen.name.to_string();
    }
    let Some(chosen) = QEMU_BOARDS.into_iter().find(|b| b.name == board) else {
        let names: Vec<&str> = QEMU_BOARDS.iter().map(|b| b.name).collect();
        crate::usage_error(&format!("unknown board `{board}` (boards: {})", names.join(", ")), DEBUG_HELP)
    };
    if !DEBUG_BINS.contains(&bin.as_str()) {
        crate::usage_error(&format!("unknown binary `{bin}` (binaries: {})", DEBUG_BINS.join(", ")), DEBUG_HELP);
    }
    let system = if system.is_empty() { chosen.system } else { system.as_str() };
    debug(root, chosen, &bin, system)
}

/// `cargo xtask debug`: builds `bin` (for `system`) and starts QEMU halted at the first
/// instruction with the gdb stub on TCP port 1234, after printing how to attach; returns QEMU's
/// exit status.
pub fn debug(root: &Path, board: &Board, bin: &str, system: &str) -> Result<u8> {
    let image = build_with_env(root, board, bin, board.demo_features, &crate::systems::env(board, system)?)?;
    let mut extra = crate::monitor::normal_world_options(root, board, system, &image)?;
    extra.extend(["-s".to_string(), "-S".to_string()]);
    let qemu = qemu_command_with(board, &board.plain_boot, &image, &extra);
    println!("xtask: QEMU waits halted for a debugger; attach from another terminal with:");
    println!("  gdb-multiarch {} -ex 'target remote :1234'", image.display());
    if Command::new("gdb-multiarch").arg("--version").stdout(Stdio::null()).status().is_err() {
        println!("  (gdb-multiarch is not installed: Debian package `gdb-multiarch`)");
    }
    println!("xtask: {}", command_line(&qemu, root));
    println!("xtask: leave QEMU with Ctrl-A X");
    interactive(root, board, qemu)
}
