//! The Cortex-M3 minimal configuration (`images/cortex-m3`, feature `minimal`, binary
//! `wells-minimal`): a kernel and two threads, built with the size-first `minimal` profile
//! (opt-level "z", LTO, no debug information, panic = immediate abort, core and alloc built
//! for size). The suite boots it; the bench
//! measures its flash and kernel RAM with none and each of the core's optional features, so
//! each feature's cost in bytes is read off the difference.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cortex_m3::MPS2_AN385;
use crate::qemu::{self, Boot};
use crate::Result;

const BIN: &str = "wells-minimal";
const PROFILE: &str = "minimal";

/// `core` and `alloc` built from source for size: the prebuilt ones are optimised for speed and
/// carry every panic's formatting (core::fmt, messages, file names: about 9 KiB here). With
/// `panic = "immediate-abort"` a panic is an undefined instruction, so the CPU's fault ends the
/// run through the kernel-fault handler (status 101) instead of the panic handler;
/// `optimize_for_size` picks core's smaller implementations; compiler_builtins then provides
/// memcpy and friends (no libc here).
const SIZE_FIRST_STD: [&str; 5] = [
    "-Zbuild-std=core,alloc",
    "-Zbuild-std-features=compiler-builtins-mem,optimize_for_size",
    "-Zpanic-immediate-abort",
    "--config",
    "profile.minimal.panic=\"immediate-abort\"",
];

/// The core's optional features (`wells-core/Cargo.toml`), with the words the table uses.
pub const OPTIONAL_FEATURES: [(&str, &str); 7] = [
    ("wells-core/transactions", "transactions"),
    ("wells-core/decision-sets", "decision sets"),
    ("wells-core/telemetry", "telemetry"),
    ("wells-core/mutexes", "mutexes"),
    ("wells-core/budgets", "CPU budgets of domains"),
    ("wells-core/deadlines", "release deadlines"),
    ("wells-core/timers", "timers"),
];

/// The boot the suite checks: every round trip made, the RAM line printed, status 0.
const BOOT: Boot = Boot {
    name: "cortex-m3 minimal configuration: kernel + 2 threads (mps2-an385)",
    machine: "mps2-an385",
    cpu: "cortex-m3",
    expect: &[
        "minimal configuration: kernel threads only",
        "minimal: ping runs",
        "minimal: pong runs",
        "minimal: 1000 round trips",
        "minimal: kernel RAM ",
        "minimal: stack headroom: ",
    ],
    status: 0,
};

/// Builds `wells-minimal` with the core's `features` (none: the smallest kernel); returns the
/// image, copied under `target/images/` with its features in the name.
pub fn build(root: &Path, features: &[&str]) -> Result<PathBuf> {
    let target = MPS2_AN385.facts().target;
    let joined = std::iter::once("minimal").chain(features.iter().copied()).collect::<Vec<_>>().join(",");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut args = vec!["build", "--profile", PROFILE, "-p", MPS2_AN385.package, "--target", target.as_str(), "--bin", BIN, "--features", joined.as_str()];
    args.extend(SIZE_FIRST_STD);
    // The unstable flags are for this build only, as for the R52 images.
    let mut command = Command::new(cargo);
    command.args(&args).current_dir(root).env_remove("WELLS_SYSTEM").env("RUSTC_BOOTSTRAP", "1");
    crate::run_status(&mut command, &format!("cargo {}", args.join(" ")))?;
    let built = root.join("target").join(&target).join(PROFILE).join(BIN);
    let images = root.join("target").join("images");
    std::fs::create_dir_all(&images).map_err(|e| format!("cannot create {}: {e}", images.display()))?;
    let name: String = std::iter::once(format!("{}{BIN}", MPS2_AN385.image_prefix)).chain(features.iter().map(|f| format!("+{}", f.trim_start_matches("wells-core/")))).collect();
    let image = images.join(format!("{name}.elf"));
    std::fs::copy(&built, &image).map_err(|e| format!("cannot copy {} to {}: {e}", built.display(), image.display()))?;
    Ok(image)
}

/// Clippy over the minimal configuration (the image crate with feature `minimal` alone) and
/// over wells-core without its optional features, and with the first four only (budgets,
/// deadlines and timers left out, as tests/features_off.rs tests them), warnings denied.
pub fn clippy(root: &Path) -> Result<()> {
    let target = MPS2_AN385.facts().target;
    crate::cargo(root, &["clippy", "-p", MPS2_AN385.package, "--target", target.as_str(), "--bins", "--features", "minimal", "--", "-D", "warnings"])?;
    crate::cargo(root, &["clippy", "--all-targets", "-p", "wells-core", "--no-default-features", "--", "-D", "warnings"])?;
    let first_four = OPTIONAL_FEATURES[..4].iter().map(|(feature, _)| feature.trim_start_matches("wells-core/")).collect::<Vec<_>>().join(",");
    crate::cargo(root, &["clippy", "--all-targets", "-p", "wells-core", "--no-default-features", "--features", first_four.as_str(), "--", "-D", "warnings"])
}

/// The suite's step: the smallest build boots and passes its own check.
pub fn test(root: &Path) -> (String, Result<()>) {
    let result = build(root, &[]).and_then(|image| qemu::test_boot(root, &MPS2_AN385, &BOOT, &image));
    (BOOT.name.to_string(), result)
}

/// One build's measure: flash (text, read-only data and initialised data, as `size` counts
/// them) and kernel RAM (static data and stacks, and the kernel's heap, as the image prints).
pub struct Footprint {
    pub flash: u64,
    pub ram: u64,
}

/// Builds and boots the image with `features` and measures it; also returns the image.
pub fn footprint(root: &Path, features: &[&str]) -> Result<Footprint> {
    footprint_of_build(root, features).map(|(footprint, _)| footprint)
}

fn footprint_of_build(root: &Path, features: &[&str]) -> Result<(Footprint, PathBuf)> {
    let image = build(root, features)?;
    let path = image.to_string_lossy().into_owned();
    let (text, data, _) = crate::bench::size_of(root, &path)?;
    let output = qemu::bench_command(&MPS2_AN385, &image)
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot boot {path}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("{path} failed ({}):\n{stdout}", output.status));
    }
    // "minimal: kernel RAM <bytes> bytes: ..."
    let ram = stdout
        .lines()
        .find_map(|line| line.split("minimal: kernel RAM ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|bytes| bytes.parse().ok())
        .ok_or_else(|| format!("{path} printed no kernel RAM line:\n{stdout}"))?;
    Ok((Footprint { flash: text + data, ram }, image))
}

/// A name and its bytes.
type NamedBytes = (String, u64);

/// Where an image's flash goes: the bytes of its code and read-only symbols (GNU `nm -S`),
/// summed by the crate that defines them (the first path segment of the demangled name; the
/// hand-written assembly and LLVM's outlined pieces under "other"), largest first, and its
/// largest functions.
fn flash_by_crate(root: &Path, image: &Path) -> Result<(Vec<NamedBytes>, Vec<NamedBytes>)> {
    let out = Command::new("nm")
        .args(["--size-sort", "-S", "-C"])
        .arg(image)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot start `nm` (GNU binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!("`nm {}` failed: {}", image.display(), String::from_utf8_lossy(&out.stderr).trim()));
    }
    let mut crates: Vec<(String, u64)> = Vec::new();
    let mut functions = Vec::new();
    // "<address> <size> <type> <name>": code (t, T) and read-only data (r, R) live in flash.
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut fields = line.splitn(4, ' ');
        let (Some(_), Some(size), Some(kind), Some(name)) = (fields.next(), fields.next(), fields.next(), fields.next()) else { continue };
        if !matches!(kind, "t" | "T" | "r" | "R") {
            continue;
        }
        let Ok(bytes) = u64::from_str_radix(size, 16) else { continue };
        let path = name.trim_start_matches('<');
        let owner = match path.split_once("::") {
            Some((first, _)) if !first.contains(' ') && !first.contains('<') => first.to_string(),
            _ => "other".to_string(),
        };
        match crates.iter_mut().find(|(name, _)| *name == owner) {
            Some((_, sum)) => *sum += bytes,
            None => crates.push((owner, bytes)),
        }
        if matches!(kind, "t" | "T") {
            functions.push((name.to_string(), bytes));
        }
    }
    crates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    functions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    functions.truncate(12);
    Ok((crates, functions))
}

/// What issue 21's item 5 cut from the minimal build, and why it was waste (20 486 -> 17 448
/// bytes of flash), and what features then left out: said under the table, so a regenerated
/// section keeps it.
const CUT: &str = "\nCut as waste (issue 21, item 5; 20 486 bytes of flash before): the stack-canary panic \
     formatted the thread's name through `Thread::stats` and `core::str::from_utf8` (with its 256-byte UTF-8 \
     table) although panic = immediate abort never prints a message (the name is now formatted only by the \
     message itself, ~810 bytes); three 64-bit divisions pulled in compiler_builtins' division routine \
     (~520 bytes): the CPU share is found by multiply-compare steps, the board's millisecond deadline by \
     32-bit divisions, and the guard's windows are not rolled without decision sets, where no set is ever \
     judged; the spin lock was forced inline at some twenty kernel calls and four heap entries (now an \
     inline hint: the speed-first builds inline it as before, this one keeps one copy, ~610 bytes); wait \
     queues were ring buffers (`VecDeque`, whose wrap-around code is ~930 bytes) where a vector kept \
     last-to-wake first does, with fewer instructions per wake; and the objects' drop glue was made twice, \
     once with the generic `Kernel<A>` (~150 bytes). That left 17 448 bytes, over 16 KiB by kernel function \
     the two threads do not use and no feature left out: CPU budgets of domains, release deadlines and their \
     misses, and timers are now features of their own (`budgets`, `deadlines`, `timers`, rows above; without \
     one its calls answer `NotSupported`). Still carried and unused here: the CPU-share window that a policy \
     which is asked reads (~220 bytes).\n";

/// The heading of the bench's section.
const TITLE: &str = "## Cortex-M3 minimal configuration: what each feature costs";

/// `cargo xtask bench --minimal --write`: the section measured again and put in place of its
/// old one in docs/benchmarks.md (or before the boards' section, where the full bench puts it).
pub fn write_section(root: &Path) -> Result<()> {
    let section = size_section(root)?;
    print!("{section}");
    crate::bench::replace_report_section_or_before(root, TITLE, &section, "## wells standalone on QEMU boards")
}

/// The bench's section: the minimal configuration, each optional feature added alone (its
/// cost is the difference), and all of them.
pub fn size_section(root: &Path) -> Result<String> {
    let (base, image) = footprint_of_build(root, &[])?;
    let mut md = format!(
        "{TITLE}\n\n\
         `wells-minimal` (`images/cortex-m3`, feature `minimal`): the kernel and two threads handing a token \
         through two semaphores, no user tasks, no system calls, no formatted printing; built with the \
         `minimal` profile (opt-level \"z\", LTO, one codegen unit, panic = immediate abort; `core` and `alloc` built from source with `optimize_for_size`). Flash: text, read-only \
         and initialised data (GNU `size`). Kernel RAM: static data and the boot and handler stacks, plus \
         the heap the kernel and its two threads hold beyond the threads' own 1 KiB stacks (printed by the \
         image). Aim (issue 21): at most 16 KiB of flash and 4 KiB of kernel RAM; when the issue was filed \
         the smallest Cortex-M3 image was the bench image, 143 KiB of text, and the first minimal build \
         (prebuilt `core`, panic = abort, compiler_builtins' memory functions, larger static stacks) took \
         33 238 bytes of flash and 6 104 bytes of kernel RAM.\n\n\
         | build | flash (bytes) | cost | kernel RAM (bytes) | cost |\n|---|---:|---:|---:|---:|\n",
    );
    md.push_str(&format!("| minimal: no optional feature | {} | | {} | |\n", base.flash, base.ram));
    let mut all = Vec::new();
    for (feature, words) in OPTIONAL_FEATURES {
        let with = footprint(root, &[feature])?;
        md.push_str(&format!("| + {words} | {} | {:+} | {} | {:+} |\n", with.flash, with.flash as i64 - base.flash as i64, with.ram, with.ram as i64 - base.ram as i64));
        all.push(feature);
    }
    let full = footprint(root, &all)?;
    md.push_str(&format!("| + all {} | {} | {:+} | {} | {:+} |\n", OPTIONAL_FEATURES.len(), full.flash, full.flash as i64 - base.flash as i64, full.ram, full.ram as i64 - base.ram as i64));
    let (crates, functions) = flash_by_crate(root, &image)?;
    md.push_str(CUT);
    md.push_str(
        "\nWhere the minimal build's flash goes (GNU `nm -S`: code and read-only symbols by the crate that \
         defines them; \"other\": the hand-written assembly, `app_main` with what LTO inlined into it, and LLVM's \
         outlined pieces; drop glue counts under `core`; the rest of the flash is the vector table, alignment and data without a symbol):\n\n\
         | crate | bytes |\n|---|---:|\n",
    );
    for (name, bytes) in &crates {
        md.push_str(&format!("| {name} | {bytes} |\n"));
    }
    md.push_str("\nIts largest functions:\n\n| function | bytes |\n|---|---:|\n");
    for (name, bytes) in &functions {
        md.push_str(&format!("| `{}` | {bytes} |\n", name.replace('|', "\\|")));
    }
    Ok(md)
}
