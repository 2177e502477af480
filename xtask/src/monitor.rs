//! wells as the EL3 monitor (`images/arm64`, feature `monitor`): its QEMU board, its test plan,
//! and what booting firmware takes. QEMU answers PSCI itself unless firmware is loaded, so the
//! monitor boots as `-bios` (the secure flash at 0, executed in place: a flat binary of its ELF,
//! [`flat_binary`]) and the normal world's image, a supervisor linked below the monitor (feature
//! `normal-world`), is loaded with `-device loader` where the monitor enters it. Both UARTs go
//! to the terminal: the monitor prints on the secure one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::qemu::{self, Board, Boot, NormalWorld};
use crate::Result;

/// QEMU `virt` with EL3 and EL2, both serial ports on stdio (the monitor's lines start with
/// `monitor: `).
pub const VIRT_ARM64_MONITOR: Board = Board {
    name: "qemu-virt-arm64-monitor",
    package: "wells-image-arm64",
    base_features: &["monitor"],
    description: "qemu-virt",
    cpu: "arm64",
    options: &[
        "-m",
        "256M",
        "-chardev",
        "stdio,id=console,mux=on",
        "-serial",
        "chardev:console",
        "-serial",
        "chardev:console",
        "-mon",
        "chardev=console,mode=readline",
    ],
    user_programs: &[],
    guest_images: &[],
    image_prefix: "qemu-virt-arm64-monitor-",
    plain_boot: Boot { name: "virt, EL3", machine: MACHINE, cpu: "cortex-a57", expect: &[], status: 0 },
    demo_features: &[],
    bench_features: &[],
    system: "arm64-monitor",
    // Each boot of the plan needs its normal world: [`MONITOR_TESTS`].
    tests: &[],
    every_model: None,
    // `run`: the supervisor demo (64- and 32-bit tasks) of the system's normal world.
    normal_world: Some(NormalWorld { board: &qemu::VIRT_ARM64, bin: "wells-demo", features: &["normal-world", "user32"] }),
};

const MACHINE: &str = "virt,secure=on,virtualization=on";

/// The feature sets the normal-world images of the plan and of `run` are built with (clippy
/// checks each).
pub const NORMAL_WORLD_FEATURES: &[&[&str]] = &[&["smc-test"], &["normal-world", "user32"], &["secure-test", "user"], &["secure-world", "user"], &["user32", "full-stack-guest"]];

/// A boot of the monitor with a normal world.
pub struct MonitorTest {
    /// The secure world (`wells-secure-world`) packed into the monitor's flash, booted first.
    pub secure_world: bool,
    /// The normal world: a binary of the arm64 supervisor image with these features.
    pub world_bin: &'static str,
    pub world_features: &'static [&'static str],
    /// CPUs QEMU gives the machine (`-smp`).
    pub cpus: u32,
    pub boot: Boot,
}

/// The monitor's lines every boot prints.
const MONITOR_LINES: [&str; 3] = [
    "monitor: wells on qemu-virt: entered at EL3, established EL3 (monitor)",
    "monitor: SCR_EL3 = 0x531 (NS, HCE, RW; SMC enabled)",
    "monitor: entering the normal world at EL2, 0x40200000",
];

/// The monitor test plan: the SMC test (answers of SMCCC and PSCI, 10 000 random SMCs, from
/// EL2 and again from EL1, SYSTEM_OFF powering QEMU off with status 0: the pass line is printed only when every
/// check passed, a failure ends through semihosting with status 1, and a SYSTEM_OFF that did
/// not power off hangs until the time limit); and the supervisor's own tests as the normal
/// world.
pub const MONITOR_TESTS: &[MonitorTest] = &[
    MonitorTest {
        secure_world: false,
        world_bin: "wells-smc-test",
        world_features: &["smc-test"],
        // A second CPU for PSCI CPU_ON / CPU_OFF / AFFINITY_INFO.
        cpus: 2,
        boot: Boot {
            name: "arm64 monitor at EL3: SMCCC and PSCI answers, 10 000 random SMCs from EL2 and from EL1, PSCI SYSTEM_OFF ends QEMU (cortex-a57, secure=on,virtualization=on)",
            machine: MACHINE,
            cpu: "cortex-a57",
            expect: &[
                MONITOR_LINES[0],
                MONITOR_LINES[1],
                MONITOR_LINES[2],
                "wells on qemu-virt-arm64: entered at EL2",
                "ok - smc SMCCC_VERSION = 0x10001",
                // Answered on the vectors' fast path: the same answer, counted.
                "ok - smc SMCCC_VERSION with garbage above w0, x1..x3 cleared, x4..x17 kept = 0x10001",
                "ok - smc SMCCC_VERSION counted (calls between two counts) = 0x2",
                "ok - smc PSCI_VERSION = 0x10001",
                "ok - smc PSCI_FEATURES(CPU_ON) = 0x0",
                "ok - smc AFFINITY_INFO(cpu 0) = 0x0",
                "ok - smc MIGRATE_INFO_TYPE = 0x2",
                "ok - smc CPU_OFF (CPU 0, the boot CPU) = -3",
                "ok - smc CPU_SUSPEND(power-down state) = -2",
                "ok - smc CPU_SUSPEND(standby) = 0x0 after ",
                "ok - smc CPU_ON(cpu 0) = -4",
                // CPU 1 started, seen on, stopped, started again (from EL2 and from EL1).
                "ok - smc CPU_ON_64(cpu 1, outside RAM) = -9",
                "ok - smc CPU_ON_64(cpu 1) = 0x0",
                "ok - smc cpu 1 ran from its entry = 0x1",
                "ok - smc CPU_ON_64(cpu 1, on) = -4",
                "ok - smc AFFINITY_INFO(cpu 1, on) = 0x0",
                "ok - smc AFFINITY_INFO(cpu 1) after its CPU_OFF = 0x1",
                "ok - smc cpu 1 started again after its CPU_OFF = 0x1",
                "smc: secure world absent",
                "smc: 2 CPU(s)",
                "smc fuzz: 10000 random calls from EL2, 10000 answered as SMCCC asks, monitor counted 10001",
                "smc fuzz: 10000 random calls from EL1, 10000 answered as SMCCC asks, monitor counted 10001",
                "smc test: PASS; PSCI SYSTEM_OFF through the monitor",
                "monitor: PSCI SYSTEM_OFF after ",
            ],
            status: 0,
        },
    },
    MonitorTest {
        secure_world: false,
        world_bin: "wells-test",
        world_features: &["normal-world", "user32"],
        cpus: 1,
        boot: Boot {
            name: "arm64 monitor at EL3: the supervisor's 64+32-bit task tests as its normal world, entered at EL2 (cortex-a57)",
            machine: MACHINE,
            cpu: "cortex-a57",
            expect: &[
                MONITOR_LINES[0],
                MONITOR_LINES[2],
                "wells on qemu-virt-arm64: entered at EL2",
                "running at EL1",
                "ok - user32_faults_are_contained",
                " passed, 0 failed",
                // A passing run ends with SYSTEM_OFF through the monitor.
                "monitor: PSCI SYSTEM_OFF after 1 SMCs",
            ],
            status: 0,
        },
    },
    MonitorTest {
        secure_world: true,
        world_bin: "wells-smc-test",
        world_features: &["smc-test"],
        cpus: 1,
        boot: Boot {
            name: "arm64 monitor at EL3 with a secure world: 10 000 random SMCs from EL2 and from EL1, those of owning entities 48..=63 through the world switch, under the secure tick (cortex-a57)",
            machine: MACHINE,
            cpu: "cortex-a57",
            expect: &[
                "monitor: secure tick: CNTPS every 62500 counts",
                "secure-service: ready at S-EL0",
                "wells on qemu-virt-arm64: entered at EL2",
                "smc: secure world present: calls of owning entities 48..=63 go through the world switch",
                "ok - smc MIGRATE_INFO_TYPE = 0x1",
                "ok - smc MIGRATE_INFO_UP_CPU = 0x0",
                "ok - smc CPU_SUSPEND(standby) = 0x0 after ",
                "smc fuzz: 10000 random calls from EL2, 10000 answered as SMCCC asks, monitor counted 10001",
                "smc fuzz: 10000 random calls from EL1, 10000 answered as SMCCC asks, monitor counted 10001",
                "smc test: PASS; PSCI SYSTEM_OFF through the monitor",
                "monitor: PSCI SYSTEM_OFF after ",
            ],
            status: 0,
        },
    },
    MonitorTest {
        secure_world: true,
        world_bin: "wells-secure-test",
        world_features: &["secure-test", "user"],
        cpus: 1,
        boot: Boot {
            name: "arm64 monitor at EL3 with a secure world: wells at S-EL1 with S-EL0 tasks boots first; a normal-world task calls the secure service (good and bad calls), reads secure DRAM (faults, contained), sees the secure tick advance (cortex-a57)",
            machine: MACHINE,
            cpu: "cortex-a57",
            expect: &[
                MONITOR_LINES[0],
                "monitor: secure world: ",
                " copied to secure DRAM 0xe100000; entering it at S-EL1",
                "monitor: secure tick: CNTPS every 62500 counts (1 ms), INTID 29 in group 0 as FIQ to EL3; SCR_EL3 = 0x535 in the normal world, 0x434 in the secure world",
                "wells on qemu-virt-arm64 (secure world): entered at S-EL1",
                "secure world: starting 2 tasks of `arm64-secure`",
                "hello from hello (AArch64 EL0)",
                "secure-service: ready at S-EL0",
                MONITOR_LINES[2],
                "wells on qemu-virt-arm64: entered at EL2",
                "secure-peek: reading 0x70000000 (secure DRAM) from a normal-world task",
                "wells: task 'secure-peek' stopped: ",
                // A synchronous external abort (DFSC 0x10): the access left the CPU and was refused.
                "(ESR=0x92000010 FAR=0x70000000",
                "ok - a normal-world read of secure memory faulted and stopped only its task (exit -1036)",
                "bench: SMC round trip EL1 -> EL3 -> EL1 (SMCCC_VERSION): ",
                "ok - secure SERVICE_VERSION = (0, 0x10000)",
                "ok - secure KV_GET(0), the secure world's id = (0, 0x5ec0001)",
                "ok - secure COUNTER_READ after 3 increments = (0, 0x3)",
                "ok - secure KV_GET(5) after the update = (0, 0xffffffff)",
                "ok - secure unknown function 0xf00000ff = (-1, 0x0)",
                "ok - secure KV_GET(16), a bad key = (-2, 0x0)",
                "ok - secure KV_PUT(0, 1), a read-only key = (-3, 0x0)",
                "ok - secure KV_PUT(6, 1 << 32), an oversized value = (-4, 0x0)",
                "ok - secure KV_GET(6), never written = (-5, 0x0)",
                "ok - secure SECURE_DONE from the normal world = (-3, 0x0)",
                "ok - secure_call(PSCI SYSTEM_OFF) refused by the supervisor",
                "ok - secure_call with a bad answer buffer refused",
                "ok - secure ticks advanced by ",
                "bench: secure service call COUNTER_READ (EL0 -> EL1 -> EL3 -> S-EL1 -> S-EL0 and back): ",
                "secure-client: every secure call answered as the ABI says",
                "secure test: client exited with 0",
                "secure test: PASS",
                "monitor: PSCI SYSTEM_OFF after ",
            ],
            status: 0,
        },
    },
];

/// Time a monitor boot may take before it counts as hung.
const BOOT_LIMIT: Duration = Duration::from_secs(90);

/// QEMU's options that load a normal-world ELF where it is linked.
fn loader_options(world: &Path) -> Vec<String> {
    vec!["-device".to_string(), format!("loader,file={}", world.display())]
}

/// Builds the monitor and each boot's normal world, and boots them; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let monitor = qemu::build(root, &VIRT_ARM64_MONITOR, "wells-test", &[]);
    MONITOR_TESTS
        .iter()
        .map(|test| {
            let result = monitor.as_ref().map_err(|e| format!("monitor image not built: {e}")).and_then(|monitor| {
                let world = qemu::build(root, &qemu::VIRT_ARM64, test.world_bin, test.world_features)?;
                let firmware = if test.secure_world { with_secure_world(root, monitor)? } else { monitor.clone() };
                let mut options = loader_options(&world);
                options.extend(["-smp".to_string(), test.cpus.to_string()]);
                qemu::test_boot_with(root, &VIRT_ARM64_MONITOR, &test.boot, &firmware, &options, BOOT_LIMIT)
            });
            (test.boot.name.to_string(), result)
        })
        .chain(std::iter::once_with(|| (BENCH_STEP.to_string(), monitor.as_ref().map_err(|e| format!("monitor image not built: {e}")).and_then(|m| bench_repeats(root, m)))))
        .chain(std::iter::once_with(|| (crate::full_stack::BOOT.name.to_string(), monitor.as_ref().map_err(|e| format!("monitor image not built: {e}")).and_then(|m| crate::full_stack::test(root, m)))))
        .chain(std::iter::once_with(|| (crate::full_stack::BENCH_STEP.to_string(), monitor.as_ref().map_err(|e| format!("monitor image not built: {e}")).and_then(|m| crate::full_stack::bench_repeats(root, m)))))
        .chain(std::iter::once_with(|| (crate::full_stack::WITHOUT_MONITOR.name.to_string(), crate::full_stack::refusal_test(root))))
        .collect()
}

/// The step that checks the secure world's bench figures.
const BENCH_STEP: &str = "arm64 monitor bench: SMC round trip and secure service call, in instructions under -icount, the same in two boots";

/// The aims of issue 17 for the bench lines that start with these (instructions).
const BENCH_AIMS: &[(&str, u64)] = &[("bench: SMC round trip", 100), ("bench: secure service call", 1000)];

/// The `bench:` lines of one boot of the secure world's test under `-icount` (SMC round trip
/// from EL1, secure calls from EL0).
fn secure_bench_lines(root: &Path, monitor: &Path) -> Result<Vec<String>> {
    let test = MONITOR_TESTS.iter().find(|test| test.world_bin == "wells-secure-test").ok_or("no secure-world test boot in the plan")?;
    let world = qemu::build(root, &qemu::VIRT_ARM64, test.world_bin, test.world_features)?;
    let firmware = with_secure_world(root, monitor)?;
    let lines = boot_output(root, &test.boot, &firmware, &loader_options(&world))?;
    bench_lines(&lines, BENCH_STEP)
}

/// The `bench: ...` part of each line that has one; at least four are expected.
pub(crate) fn bench_lines(lines: &[String], step: &str) -> Result<Vec<String>> {
    let bench: Vec<String> = lines.iter().filter_map(|line| line.find("bench: ").map(|at| line[at..].trim_end().to_string())).collect();
    if bench.len() < 4 {
        return Err(format!("{step}: expected 4 bench lines, got {bench:?}"));
    }
    Ok(bench)
}

/// Boots the secure world's test twice and requires the same `bench:` lines both times;
/// prints them with the aims.
fn bench_repeats(root: &Path, monitor: &Path) -> Result<()> {
    let (first, second) = (secure_bench_lines(root, monitor)?, secure_bench_lines(root, monitor)?);
    if first != second {
        return Err(format!("{BENCH_STEP}: the figures differ between two boots: {first:?} vs {second:?}"));
    }
    for line in &first {
        println!("xtask: {line}{}", aim_of(line));
    }
    Ok(())
}

/// The aim issue 17 sets for a bench line, if any.
fn aim(line: &str) -> Option<u64> {
    BENCH_AIMS.iter().find(|(start, _)| line.starts_with(start)).map(|&(_, aim)| aim)
}

/// " (aim <= N)" for a line with an aim.
fn aim_of(line: &str) -> String {
    aim(line).map(|aim| format!(" (aim <= {aim})")).unwrap_or_default()
}

/// Title of the monitor's section of docs/benchmarks.md.
pub const BENCH_TITLE: &str = "## Monitor, secure world and full stack (arm64 Cortex-A57, instructions)";

/// The monitor's section of docs/benchmarks.md (`cargo xtask bench`): the secure world's test
/// and the full stack, one boot each under `-icount` (the test steps check that two boots
/// agree).
pub fn bench_section(root: &Path) -> Result<String> {
    let monitor = qemu::build(root, &VIRT_ARM64_MONITOR, "wells-test", &[])?;
    let mut md = format!("\n{BENCH_TITLE}\n\n");
    md.push_str(
        "The wells monitor at EL3 with the secure world (a wells supervisor at S-EL1) and, for the last rows, the full \
         stack (hypervisor with two VMs below the monitor): `bench:` lines printed by the images under `-icount shift=0` \
         (docs/monitor.md). Aims from issue 17.\n\n| path | instructions | aim |\n|---|---:|---:|\n",
    );
    let secure = secure_bench_lines(root, &monitor)?.into_iter().map(|line| (false, line));
    let full_stack = crate::full_stack::bench_lines_of_one_boot(root, &monitor)?.into_iter().map(|line| (true, line));
    for (in_vm, line) in secure.chain(full_stack) {
        let text = line.trim_start_matches("bench: ");
        let (what, figure) = text.rsplit_once(": ").unwrap_or((text, ""));
        // "2240 instructions": the number; the full stack's calls come from a task in a VM.
        let figure = figure.split_whitespace().next().unwrap_or("");
        let what = if in_vm && what.contains("call") { format!("from a task in a VM (below the hypervisor): {what}") } else { what.to_string() };
        let aim = aim(&line).map(|aim| aim.to_string()).unwrap_or_default();
        md.push_str(&format!("| {what} | {figure} | {aim} |\n"));
    }
    Ok(md)
}

/// One boot under `-icount`, its output lines; it must end with status 0 within the limit.
pub(crate) fn boot_output(root: &Path, boot: &Boot, firmware: &Path, extra: &[String]) -> Result<Vec<String>> {
    use std::io::Read;
    let options: Vec<String> = qemu::ICOUNT.iter().map(|option| option.to_string()).chain(extra.iter().cloned()).collect();
    let mut child = qemu::qemu_command_with(&VIRT_ARM64_MONITOR, boot, firmware, &options)
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start QEMU: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout from QEMU")?;
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let status = crate::child::wait_within(&mut child, BOOT_LIMIT).map_err(|e| format!("cannot wait for QEMU: {e}"))?;
    let text = reader.join().map_err(|_| "the output reader failed")?;
    match status {
        Some(status) if status.success() => Ok(text.lines().map(str::to_string).collect()),
        Some(status) => Err(format!("{}: QEMU ended with {status}", boot.name)),
        None => Err(format!("{}: hung, killed after {} s", boot.name, BOOT_LIMIT.as_secs())),
    }
}

/// For a monitor board, the options that load the normal world of `system` (built first): the
/// board's normal-world binary, built for the supervisor system the world runs. When `system`
/// has a secure world too, it is built for its own supervisor system and packed into the
/// monitor's flash image (`monitor`'s `.bin`, what `-bios` loads). Nothing for other boards.
pub fn normal_world_options(root: &Path, board: &Board, system: &str, monitor: &Path) -> Result<Vec<String>> {
    let Some(world) = &board.normal_world else {
        return Ok(Vec::new());
    };
    let description = crate::systems::load(root, system)?;
    if let Some(secure) = description.secure_world_image() {
        let env = crate::systems::env(&qemu::VIRT_ARM64, secure)?;
        let secure = qemu::build_with_env(root, &qemu::VIRT_ARM64, SECURE_WORLD_BIN, SECURE_WORLD_FEATURES, &env)?;
        let flash = monitor.with_extension("bin");
        pack(root, &flash, &secure, &flash)?;
    }
    let image = description.normal_world_image().ok_or_else(|| format!("system `{system}` has no normal world"))?;
    // The full stack: the normal world is a hypervisor system, run by the hypervisor below the
    // monitor.
    if crate::systems::load(root, image)?.level.get_ref() == "hypervisor" {
        return crate::full_stack::normal_world_options(root, image);
    }
    let built = qemu::build_with_env(root, world.board, world.bin, world.features, &crate::systems::env(world.board, image)?)?;
    Ok(loader_options(&built))
}

/// The secure world's image: the arm64 supervisor for secure EL1 (`systems/arm64-secure.toml`).
pub const SECURE_WORLD_BIN: &str = "wells-secure-world";
pub const SECURE_WORLD_FEATURES: &[&str] = &["secure-world", "user"];

/// "WELLSSW1", then the image's size: the header the monitor looks for at the board's
/// `secure-world-package` offset in its flash.
const PACKAGE_MAGIC: &[u8; 8] = b"WELLSSW1";

/// Builds the secure world and packs it into a copy of the monitor's flash image at the board's
/// `secure-world-package` offset (header, then its flat image); returns the ELF path whose
/// `.bin` sibling is the packed flash image (what `-bios` loads).
pub fn with_secure_world(root: &Path, monitor: &Path) -> Result<PathBuf> {
    let secure = qemu::build(root, &qemu::VIRT_ARM64, SECURE_WORLD_BIN, SECURE_WORLD_FEATURES)?;
    let name = monitor.file_stem().and_then(|s| s.to_str()).unwrap_or("monitor");
    let packed = monitor.with_file_name(format!("{name}+secure-world.elf"));
    std::fs::copy(monitor, &packed).map_err(|e| format!("cannot copy {}: {e}", monitor.display()))?;
    pack(root, &monitor.with_extension("bin"), &secure, &packed.with_extension("bin"))?;
    Ok(packed)
}

/// Writes `out`: the monitor's flash image `flash` with the secure world's ELF `secure` packed
/// after it at the board's `secure-world-package` offset (header, then its flat image).
fn pack(root: &Path, flash: &Path, secure: &Path, out: &Path) -> Result<()> {
    let secure_flat = flat_binary(secure, &secure.with_extension("bin"))?;
    let description = wells_board::load(&root.join("boards"), VIRT_ARM64_MONITOR.description)?;
    let offset = description
        .secure
        .as_ref()
        .and_then(|secure| secure.secure_world_package)
        .ok_or_else(|| format!("boards/{}.toml: no [secure] secure-world-package", VIRT_ARM64_MONITOR.description))? as usize;
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let mut flash = read(flash)?;
    let image = read(&secure_flat)?;
    if flash.len() > offset {
        return Err(format!("the monitor's flash image ({:#x} bytes) overlaps the secure world's package at {offset:#x}", flash.len()));
    }
    flash.resize(offset, 0);
    flash.extend_from_slice(PACKAGE_MAGIC);
    flash.extend_from_slice(&(image.len() as u64).to_le_bytes());
    flash.extend_from_slice(&image);
    std::fs::write(out, &flash).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Writes the flat image of `elf` that QEMU's `-bios` puts at the bottom of flash: every loaded
/// segment's bytes at its physical (load) address, less the lowest one; `.data` sits there after
/// `.rodata`, its load address in flash, and the monitor copies it to SRAM.
pub fn flat_binary(elf: &Path, out: &Path) -> Result<PathBuf> {
    use object::elf::PT_LOAD;
    use object::read::elf::{ElfFile64, ProgramHeader};
    let data = std::fs::read(elf).map_err(|e| format!("cannot read {}: {e}", elf.display()))?;
    let file = ElfFile64::<object::Endianness>::parse(&*data).map_err(|e| format!("{}: {e}", elf.display()))?;
    let endian = file.endian();
    let mut segments = Vec::new();
    for header in file.elf_program_headers() {
        if header.p_type(endian) != PT_LOAD || header.p_filesz(endian) == 0 {
            continue;
        }
        let bytes = header.data(endian, &*data).map_err(|()| format!("{}: a segment outside the file", elf.display()))?;
        segments.push((header.p_paddr(endian), bytes));
    }
    let base = segments.iter().map(|(at, _)| *at).min().ok_or_else(|| format!("{}: nothing to load", elf.display()))?;
    let end = segments.iter().map(|(at, bytes)| at + bytes.len() as u64).max().unwrap_or(base);
    // The monitor's flash is 64 MiB; anything near that is a link gone wrong.
    if end - base > 16 << 20 {
        return Err(format!("{}: loaded segments span {:#x} bytes from {base:#x}: not a flash image", elf.display(), end - base));
    }
    let mut image = vec![0u8; (end - base) as usize];
    for (at, bytes) in segments {
        let start = (at - base) as usize;
        image[start..start + bytes.len()].copy_from_slice(bytes);
    }
    std::fs::write(out, &image).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(out.to_path_buf())
}
