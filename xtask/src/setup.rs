//! `cargo xtask setup`: checks the tools wells needs and installs what is missing.
//!
//! Everything needed is listed in the tables below; later issues extend them (bare-metal targets,
//! `rust-src`, `qemu-system-arm` from bookworm-backports). When all is present the check is fast:
//! it looks at PATH, `dpkg -s` and `rustup ... list --installed`, and never calls apt.

use std::path::Path;
use std::process::Command;

use crate::Result;

/// Rustup targets beyond the host (always installed); e.g. "aarch64-unknown-none".
/// `aarch64-unknown-none` is the hard-float target of the arm64 libwells.a (`library_arm.rs`).
const RUSTUP_TARGETS: &[&str] = &["aarch64-unknown-none-softfloat", "aarch64-unknown-none", "armv7a-none-eabi", "thumbv7m-none-eabi"];

/// Rustup components beyond the default profile; e.g. "rust-src".
const RUSTUP_COMPONENTS: &[&str] = &["rust-src"];

/// A Debian package wells needs.
struct DebPackage {
    /// Package name for apt-get.
    name: &'static str,
    /// A program the package provides: if it is on PATH the package counts as present
    /// (so a machine with the tool from elsewhere is fine); `None` asks `dpkg -s`.
    command: Option<&'static str>,
    /// The suite to install it from (`apt-get install -t <suite>`), added to apt's sources
    /// when missing; `None` for the machine's default suites.
    suite: Option<&'static str>,
}

/// Debian packages. QEMU comes from bookworm-backports: bookworm's own 7.2 lacks the boards
/// later issues need (Cortex-R52 `mps3-an536`).
const DEB_PACKAGES: &[DebPackage] = &[
    DebPackage {
        name: "qemu-system-arm",
        command: Some("qemu-system-aarch64"),
        suite: Some("bookworm-backports"),
    },
    DebPackage {
        name: "gdb-multiarch",
        command: Some("gdb-multiarch"),
        suite: None,
    },
    DebPackage {
        name: "gcc",
        command: Some("gcc"),
        suite: None,
    },
    DebPackage {
        name: "make",
        command: Some("make"),
        suite: None,
    },
    // The Linux kernel module (xtask/src/linux.rs): Debian's kernel and headers to build and
    // boot it, busybox for the test initramfs, qemu-system-x86_64 to run it.
    DebPackage {
        name: "linux-image-amd64",
        command: None,
        suite: None,
    },
    DebPackage {
        name: "linux-headers-amd64",
        command: None,
        suite: None,
    },
    DebPackage {
        name: "busybox-static",
        command: None,
        suite: None,
    },
    DebPackage {
        name: "qemu-system-x86",
        command: Some("qemu-system-x86_64"),
        suite: Some("bookworm-backports"),
    },
    // Kbuild makes BTF for a module when the headers ship a `vmlinux` (Debian's 6.12 do, for
    // CONFIG_DEBUG_INFO_BTF_MODULES): that needs pahole.
    // The arm64 libwells.a's C tests (xtask/src/library_arm.rs): a cross gcc with its libc to
    // link aarch64 Linux programs, and QEMU's user-mode emulation to run them (the release of
    // the system emulators).
    DebPackage {
        name: "gcc-aarch64-linux-gnu",
        command: Some("aarch64-linux-gnu-gcc"),
        suite: None,
    },
    DebPackage {
        name: "libc6-dev-arm64-cross",
        command: None,
        suite: None,
    },
    DebPackage {
        name: "qemu-user",
        command: Some("qemu-aarch64"),
        suite: Some("bookworm-backports"),
    },
    // The OSEK/VDX OS on the Cortex-M3 board (xtask/src/osek.rs, adapters/mps2-an385): a bare-metal
    // cross gcc, and picolibc for its C library (`--specs=picolibc.specs`).
    DebPackage {
        name: "gcc-arm-none-eabi",
        command: Some("arm-none-eabi-gcc"),
        suite: None,
    },
    DebPackage {
        name: "picolibc-arm-none-eabi",
        command: None,
        suite: None,
    },
    DebPackage {
        name: "dwarves",
        command: Some("pahole"),
        suite: None,
    },
    // embox with wells inside (xtask/src/embox.rs; gcc-aarch64-linux-gnu above compiles it):
    // its build runs `python` (mk/gensums.py) and packs its root file system with cpio; its
    // source is a .tar.xz.
    DebPackage {
        name: "python-is-python3",
        command: Some("python"),
        suite: None,
    },
    DebPackage {
        name: "cpio",
        command: Some("cpio"),
        suite: None,
    },
    DebPackage {
        name: "xz-utils",
        command: Some("xz"),
        suite: None,
    },
];

/// The extra kernels the module suite builds for and boots (besides the installed
/// `linux-image-amd64`): Debian's newer kernel from bookworm-backports (6.12 in 2026-12), plain
/// and PREEMPT_RT. Each entry names the meta-packages whose current dependency is fetched; test
/// steps are named by the release fetched ("6.12", "6.12-rt").
pub const EXTRA_KERNELS: &[ExtraKernel] = &[
    ExtraKernel { image_meta: "linux-image-amd64", headers_meta: "linux-headers-amd64", suite: "bookworm-backports" },
    ExtraKernel { image_meta: "linux-image-rt-amd64", headers_meta: "linux-headers-rt-amd64", suite: "bookworm-backports" },
];

/// A kernel flavour fetched into the cache rather than installed.
pub struct ExtraKernel {
    /// Meta-package whose dependency is the kernel image package (`linux-image-<release>`).
    pub image_meta: &'static str,
    /// Meta-package whose dependency is the headers package (`linux-headers-<release>`).
    pub headers_meta: &'static str,
    /// The suite the meta-packages are taken from.
    pub suite: &'static str,
}

const APT_SOURCES: &str = "/etc/apt/sources.list";
const APT_SOURCES_DIR: &str = "/etc/apt/sources.list.d";

/// Checks everything and installs what is missing, or fails naming what to install.
pub fn run(root: &Path) -> Result<()> {
    debian_packages()?;
    rustup("target", RUSTUP_TARGETS, root)?;
    rustup("component", RUSTUP_COMPONENTS, root)?;
    for kernel in EXTRA_KERNELS {
        cached_kernel(root, kernel)?;
    }
    // The Linux guest of the arm64 hypervisor (docs/linux-guest.md): its test step skips, with
    // this message, when the packages cannot be fetched; the rest of the suite needs none of it.
    match cached_arm64_guest(root) {
        Ok(guest) => {
            if let Err(e) = cached_arm64_headers(root, &guest.release) {
                println!("xtask setup: the arm64 headers of Linux {} are not there ({e}); the step of wells.ko inside the Linux guest will be skipped", guest.release);
            }
        }
        Err(e) => println!("xtask setup: the arm64 Linux guest's packages are not there ({e}); its test step will be skipped"),
    }
    println!("xtask setup: all present");
    Ok(())
}

// ---------------------------------------------------------------- kernels in the cache

/// A kernel unpacked in the cache: its release (`uname -r`), image and headers.
pub struct CachedKernel {
    pub release: String,
    pub image: std::path::PathBuf,
    pub headers: std::path::PathBuf,
}

/// Where fetched kernels are unpacked: `$XDG_CACHE_HOME/wells/linux` (or `~/.cache/...`), shared
/// by every checkout of wells on this machine; `target/cache/linux` without a home.
pub fn kernel_cache(root: &Path) -> std::path::PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")));
    match base {
        Some(base) => base.join("wells/linux"),
        None => root.join("target/cache/linux"),
    }
}

/// The kernel `kernel` names today, fetched with `apt-get download` and unpacked with
/// `dpkg-deb -x` into the cache when not there yet (never installed: /boot and /usr/src are
/// not touched). Only apt's own sources are used; the suite must already be in them.
pub fn cached_kernel(root: &Path, kernel: &ExtraKernel) -> Result<CachedKernel> {
    let image_pkg = match dependency(kernel.image_meta, kernel.suite, "linux-image-") {
        Ok(package) => package,
        // apt may not know the suite yet: add it (as root) and ask again.
        Err(_) if is_root() && !apt_sources_mention(kernel.suite) => {
            add_suite(kernel.suite)?;
            apt_get(&["update"])?;
            dependency(kernel.image_meta, kernel.suite, "linux-image-")?
        }
        Err(e) => return Err(e),
    };
    let release = image_pkg.trim_start_matches("linux-image-").to_string();
    let dir = kernel_cache(root).join(&release);
    let found = CachedKernel {
        image: dir.join(format!("boot/vmlinuz-{release}")),
        headers: dir.join(format!("usr/src/linux-headers-{release}")),
        release: release.clone(),
    };
    if dir.join(".complete").exists() {
        return Ok(found);
    }
    let headers_pkg = dependency(kernel.headers_meta, kernel.suite, "linux-headers-")?;
    // The headers package needs its -common part and the kbuild tools (scripts, objtool).
    let mut packages = vec![image_pkg, headers_pkg.clone()];
    for dep in dependencies(&headers_pkg)? {
        if dep.starts_with("linux-headers-") || dep.starts_with("linux-kbuild-") {
            packages.push(dep);
        }
    }
    println!("xtask setup: fetching kernel {release} for the module suite: {}", packages.join(" "));
    unpack_into_cache(root, &release, &packages, &dir)?;
    // Debian's headers Makefile includes the -common one by its absolute /usr/src path.
    fix_makefiles(&dir.join("usr/src"), Path::new("/usr/src"))?;
    if !found.image.exists() || !found.headers.join("Makefile").exists() {
        return Err(format!("{} lacks boot/vmlinuz-{release} or its headers", dir.display()));
    }
    std::fs::write(dir.join(".complete"), packages.join("\n") + "\n").map_err(|e| e.to_string())?;
    Ok(found)
}

/// Debian's arm64 kernel and busybox, unpacked for the Linux guest of the arm64 hypervisor.
pub struct Arm64Guest {
    /// `uname -r` of the kernel (e.g. 6.1.0-57-arm64).
    pub release: String,
    /// The kernel's `vmlinuz`: a plain arm64 Image.
    pub image: std::path::PathBuf,
    /// The statically linked arm64 busybox.
    pub busybox: std::path::PathBuf,
}

/// The meta-package whose dependency is the arm64 kernel the Linux guest boots (bookworm's).
const ARM64_GUEST_KERNEL_META: &str = "linux-image-arm64:arm64";
/// busybox for the guest's initramfs, statically linked.
const ARM64_GUEST_BUSYBOX: &str = "busybox-static:arm64";

/// Debian's arm64 kernel and busybox-static, fetched with `apt-get download` (arm64 added to
/// dpkg's architectures first, as root) and unpacked with `dpkg-deb -x` into the kernel cache
/// as `<release>/` when not there yet; nothing is installed into the host.
pub fn cached_arm64_guest(root: &Path) -> Result<Arm64Guest> {
    let image_pkg = match arm64_kernel_package() {
        Ok(package) => package,
        Err(_) if is_root() && !dpkg_has_arm64() => {
            println!("xtask setup: dpkg --add-architecture arm64 (for the Linux guest's packages)");
            crate::run_status(Command::new("dpkg").args(["--add-architecture", "arm64"]), "dpkg --add-architecture arm64")?;
            apt_get(&["update"])?;
            arm64_kernel_package()?
        }
        Err(e) => return Err(e),
    };
    let release = image_pkg.trim_start_matches("linux-image-").trim_end_matches(":arm64").to_string();
    let dir = kernel_cache(root).join(&release);
    let found = Arm64Guest { image: dir.join(format!("boot/vmlinuz-{release}")), busybox: dir.join("bin/busybox"), release: release.clone() };
    if dir.join(".complete").exists() {
        return Ok(found);
    }
    let packages = [format!("linux-image-{release}:arm64"), ARM64_GUEST_BUSYBOX.to_string()];
    println!("xtask setup: fetching the arm64 Linux guest: {}", packages.join(" "));
    unpack_into_cache(root, &release, &packages, &dir)?;
    if !found.image.exists() || !found.busybox.exists() {
        return Err(format!("{} lacks boot/vmlinuz-{release} or bin/busybox", dir.display()));
    }
    std::fs::write(dir.join(".complete"), packages.join("\n") + "\n").map_err(|e| e.to_string())?;
    Ok(found)
}

/// The headers of the arm64 guest's kernel `release` when setup has put them into the cache.
pub fn arm64_headers_in_cache(root: &Path, release: &str) -> Option<std::path::PathBuf> {
    let dir = kernel_cache(root).join(format!("{release}-headers"));
    dir.join(".complete").exists().then(|| dir.join(format!("usr/src/linux-headers-{release}")))
}

/// The headers of the arm64 guest's kernel `release`, to cross-build wells.ko for it
/// (docs/linux-module.md): `linux-headers-<release>:arm64`, its `-common` part and the
/// host's own `linux-kbuild` (scripts such as modpost run on the build machine), unpacked into
/// the kernel cache as `<release>-headers/` when not there yet. Returns the headers directory.
pub fn cached_arm64_headers(root: &Path, release: &str) -> Result<std::path::PathBuf> {
    if let Some(headers) = arm64_headers_in_cache(root, release) {
        return Ok(headers);
    }
    let dir = kernel_cache(root).join(format!("{release}-headers"));
    let headers = dir.join(format!("usr/src/linux-headers-{release}"));
    let arm64 = format!("linux-headers-{release}:arm64");
    let mut packages = vec![arm64.clone()];
    for dep in dependencies(&arm64)? {
        // The -common part is architecture-independent; kbuild is taken for the host.
        if dep.starts_with("linux-headers-") || dep.starts_with("linux-kbuild-") {
            packages.push(dep.trim_end_matches(":arm64").to_string());
        }
    }
    println!("xtask setup: fetching the arm64 kernel headers for wells.ko: {}", packages.join(" "));
    unpack_into_cache(root, &format!("{release}-headers"), &packages, &dir)?;
    fix_makefiles(&dir.join("usr/src"), Path::new("/usr/src"))?;
    if !headers.join("Makefile").exists() {
        return Err(format!("{} lacks its Makefile", headers.display()));
    }
    std::fs::write(dir.join(".complete"), packages.join("\n") + "\n").map_err(|e| e.to_string())?;
    Ok(headers)
}

/// Fetches `packages` with `apt-get download` and unpacks them with `dpkg-deb -x` into `dir`
/// (nothing is installed into the host). Only what boots is kept: `lib/modules` and the .debs
/// go. The tree is unpacked under a temporary name and renamed when whole, so a checkout running
/// setup at the same time never takes half a tree for a whole one; a tree left unmarked by an
/// interrupted setup is replaced. The caller marks `dir` complete once it has checked it.
fn unpack_into_cache(root: &Path, release: &str, packages: &[String], dir: &Path) -> Result<()> {
    let tmp = kernel_cache(root).join(format!(".{release}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let debs = tmp.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| format!("cannot create {}: {e}", debs.display()))?;
    let mut download = Command::new("apt-get");
    download.arg("download").args(packages).current_dir(&debs);
    crate::run_status(&mut download, &format!("apt-get download {}", packages.join(" ")))?;
    let tree = tmp.join("tree");
    for deb in std::fs::read_dir(&debs).map_err(|e| e.to_string())? {
        let deb = deb.map_err(|e| e.to_string())?.path();
        let mut unpack = Command::new("dpkg-deb");
        unpack.arg("-x").arg(&deb).arg(&tree);
        crate::run_status(&mut unpack, &format!("dpkg-deb -x {}", deb.display()))?;
    }
    let _ = std::fs::remove_dir_all(tree.join("lib/modules"));
    let _ = std::fs::remove_dir_all(&debs);
    if dir.exists() {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::fs::rename(&tree, dir).map_err(|e| {
        format!("cannot move the unpacked packages to {} ({e}); if another setup is fetching them, run again", dir.display())
    })?;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

/// The arm64 kernel package `linux-image-arm64` depends on today.
fn arm64_kernel_package() -> Result<String> {
    dependencies(ARM64_GUEST_KERNEL_META)?.into_iter().find(|d| d.starts_with("linux-image-")).ok_or_else(|| {
        format!("apt knows no {ARM64_GUEST_KERNEL_META}: run `dpkg --add-architecture arm64` and `apt-get update` (as root)")
    })
}

/// True when dpkg already lists arm64 among its foreign architectures.
fn dpkg_has_arm64() -> bool {
    Command::new("dpkg")
        .arg("--print-foreign-architectures")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).lines().any(|line| line.trim() == "arm64"))
        .unwrap_or(false)
}

/// Points the `include <old>/...` line of each headers Makefile under `new` at `new`.
fn fix_makefiles(new: &Path, old: &Path) -> Result<()> {
    for entry in std::fs::read_dir(new).map_err(|e| e.to_string())? {
        let makefile = entry.map_err(|e| e.to_string())?.path().join("Makefile");
        let Ok(text) = std::fs::read_to_string(&makefile) else { continue };
        let fixed = text.replace(&format!("include {}/", old.display()), &format!("include {}/", new.display()));
        if fixed != text {
            std::fs::write(&makefile, fixed).map_err(|e| format!("cannot write {}: {e}", makefile.display()))?;
        }
    }
    Ok(())
}

/// The one dependency of `meta` (as `suite` has it) whose name starts with `prefix`.
fn dependency(meta: &str, suite: &str, prefix: &str) -> Result<String> {
    let deps = dependencies(&format!("{meta}/{suite}"))?;
    deps.into_iter().find(|d| d.starts_with(prefix)).ok_or_else(|| {
        format!(
            "apt knows no {meta} in {suite} (run `apt-cache policy {meta}`): add {suite} to apt's sources \
             (`cargo xtask setup` does, as root) and run apt-get update"
        )
    })
}

/// `apt-cache depends` of a package: the names on its `Depends:` lines.
fn dependencies(package: &str) -> Result<Vec<String>> {
    let out = Command::new("apt-cache")
        .args(["depends", "--no-recommends", "--no-suggests", package])
        .output()
        .map_err(|e| format!("cannot run apt-cache: {e}"))?;
    if !out.status.success() {
        return Err(format!("apt-cache depends {package}: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(parse_depends(&String::from_utf8_lossy(&out.stdout)))
}

/// The package names of `Depends:` lines in `apt-cache depends` output (`|Depends:` too).
fn parse_depends(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().trim_start_matches('|').strip_prefix("Depends:"))
        .map(|name| name.trim().to_string())
        .filter(|name| !name.starts_with('<'))
        .collect()
}

// ---------------------------------------------------------------- Debian packages

fn debian_packages() -> Result<()> {
    let missing: Vec<&DebPackage> = DEB_PACKAGES
        .iter()
        .filter(|p| !package_present(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.name).collect();
    println!("xtask setup: missing Debian packages: {}", names.join(" "));

    if !on_path("apt-get") {
        return Err(format!(
            "missing packages {} and this machine has no apt-get: install them with its package manager",
            names.join(", ")
        ));
    }
    if !is_root() {
        return Err(format!(
            "missing packages {}; not running as root, so install them yourself:\n{}",
            names.join(", "),
            manual_commands(&missing)
        ));
    }

    for suite in suites(&missing) {
        add_suite(suite)?;
    }
    apt_get(&["update"])?;
    let default: Vec<&str> = missing
        .iter()
        .filter(|p| p.suite.is_none())
        .map(|p| p.name)
        .collect();
    if !default.is_empty() {
        apt_get(&[&["install", "-y", "--no-install-recommends"][..], &default[..]].concat())?;
    }
    for suite in suites(&missing) {
        let from_suite: Vec<&str> = missing
            .iter()
            .filter(|p| p.suite == Some(suite))
            .map(|p| p.name)
            .collect();
        apt_get(&[&["install", "-y", "--no-install-recommends", "-t", suite][..], &from_suite[..]].concat())?;
    }

    let still: Vec<&str> = missing
        .iter()
        .filter(|p| !package_present(p))
        .map(|p| p.name)
        .collect();
    if !still.is_empty() {
        return Err(format!(
            "apt-get ran but these are still missing: {}",
            still.join(", ")
        ));
    }
    Ok(())
}

fn package_present(package: &DebPackage) -> bool {
    match package.command {
        Some(program) => on_path(program),
        None => Command::new("dpkg")
            .args(["-s", package.name])
            .output()
            .map(|out| {
                out.status.success()
                    && String::from_utf8_lossy(&out.stdout).contains("Status: install ok installed")
            })
            .unwrap_or(false),
    }
}

/// The distinct non-default suites the packages come from, in table order.
fn suites<'a>(packages: &[&'a DebPackage]) -> Vec<&'a str> {
    let mut list: Vec<&str> = Vec::new();
    for suite in packages.iter().filter_map(|p| p.suite) {
        if !list.contains(&suite) {
            list.push(suite);
        }
    }
    list
}

/// What a non-root user should type.
fn manual_commands(missing: &[&DebPackage]) -> String {
    let mut lines = Vec::new();
    for suite in suites(missing) {
        if apt_sources_mention(suite) {
            continue;
        }
        let mirror = mirror_for(suite).unwrap_or_else(|| "<your Debian mirror>".to_string());
        lines.push(format!(
            "  echo 'deb {mirror} {suite} main' | sudo tee {APT_SOURCES_DIR}/{suite}.list"
        ));
    }
    lines.push("  sudo apt-get update".to_string());
    let default: Vec<&str> = missing
        .iter()
        .filter(|p| p.suite.is_none())
        .map(|p| p.name)
        .collect();
    if !default.is_empty() {
        lines.push(format!("  sudo apt-get install {}", default.join(" ")));
    }
    for suite in suites(missing) {
        let names: Vec<&str> = missing
            .iter()
            .filter(|p| p.suite == Some(suite))
            .map(|p| p.name)
            .collect();
        lines.push(format!(
            "  sudo apt-get install -t {suite} {}",
            names.join(" ")
        ));
    }
    lines.push("then run the command again.".to_string());
    lines.join("\n")
}

/// Adds `deb <mirror> <suite> main` to /etc/apt/sources.list.d/ unless apt already knows the
/// suite. The mirror is the one apt already uses for the release the suite belongs to
/// (`bookworm` for `bookworm-backports`): nothing here names a mirror of its own.
fn add_suite(suite: &str) -> Result<()> {
    if apt_sources_mention(suite) {
        return Ok(());
    }
    let release = suite.split('-').next().unwrap_or(suite);
    let Some(mirror) = mirror_for(suite) else {
        return Err(format!(
            "apt's sources name no mirror for `{release}`, so the suite `{suite}` cannot be added \
             beside it: add `{suite}` (component main) to apt's sources yourself, then run this again"
        ));
    };
    let path = format!("{APT_SOURCES_DIR}/{suite}.list");
    let line = format!("deb {mirror} {suite} main\n");
    std::fs::write(&path, line).map_err(|e| format!("cannot write {path}: {e}"))?;
    println!("xtask setup: added {suite} to apt sources ({path})");
    Ok(())
}

/// True when a non-comment line of apt's sources names `suite` as a word
/// (`deb ... <suite> main` in .list files, `Suites: ... <suite>` in .sources files).
fn apt_sources_mention(suite: &str) -> bool {
    apt_source_texts().iter().any(|text| {
        text.lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .any(|line| line.split_whitespace().any(|word| word == suite))
    })
}

/// The mirror apt already uses for the release `suite` belongs to (the part before the first
/// `-`): the URI of a `deb` line or of a deb822 stanza whose suites include that release.
fn mirror_for(suite: &str) -> Option<String> {
    mirror_in(&apt_source_texts(), suite)
}

/// [`mirror_for`] over given source texts.
fn mirror_in(texts: &[String], suite: &str) -> Option<String> {
    let release = suite.split('-').next().unwrap_or(suite);
    for text in texts {
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.starts_with('#')).collect();
        // One-line format: deb [options] URI SUITE COMPONENT...
        for line in &lines {
            let mut words = line.split_whitespace().peekable();
            if words.next() != Some("deb") {
                continue;
            }
            if words.peek().is_some_and(|w| w.starts_with('[')) {
                for word in words.by_ref() {
                    if word.ends_with(']') {
                        break;
                    }
                }
            }
            if let (Some(uri), Some(line_suite)) = (words.next(), words.next()) {
                if line_suite == release {
                    return Some(uri.to_string());
                }
            }
        }
        // deb822 format: stanzas separated by blank lines, with Types, URIs and Suites fields.
        for stanza in text.split("\n\n") {
            let field = |name: &str| {
                stanza
                    .lines()
                    .find_map(|line| line.trim().strip_prefix(name).map(|rest| rest.trim().to_string()))
            };
            let is_deb = field("Types:").is_some_and(|t| t.split_whitespace().any(|w| w == "deb"));
            let has_release = field("Suites:").is_some_and(|s| s.split_whitespace().any(|w| w == release));
            if let (true, true, Some(uris)) = (is_deb, has_release, field("URIs:")) {
                if let Some(uri) = uris.split_whitespace().next() {
                    return Some(uri.to_string());
                }
            }
        }
    }
    None
}

/// The text of every file apt reads its sources from.
fn apt_source_texts() -> Vec<String> {
    let mut files = vec![std::path::PathBuf::from(APT_SOURCES)];
    if let Ok(entries) = std::fs::read_dir(APT_SOURCES_DIR) {
        // apt reads only *.list and *.sources there.
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|ext| ext == "list" || ext == "sources")
                }),
        );
    }
    files.sort();
    files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
}

fn apt_get(args: &[&str]) -> Result<()> {
    println!("xtask setup: apt-get {}", args.join(" "));
    let mut command = Command::new("apt-get");
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    crate::run_status(&mut command, &format!("apt-get {}", args.join(" ")))
}

// ---------------------------------------------------------------- rustup

/// Installs the missing entries of `wanted` with `rustup <kind> add` (`kind`: target | component).
fn rustup(kind: &str, wanted: &[&str], root: &Path) -> Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    if !on_path("rustup") {
        return Err(format!(
            "rustup is not installed; wells needs rustup {kind}s {}: install rustup (Debian package `rustup`, or the installer rustup publishes)",
            wanted.join(", ")
        ));
    }
    // Run in the repo root so a rust-toolchain.toml there picks the toolchain.
    let out = Command::new("rustup")
        .args([kind, "list", "--installed"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`rustup {kind} list --installed` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let installed = String::from_utf8_lossy(&out.stdout);
    // Components are listed with the host triple appended (e.g. `llvm-tools-x86_64-unknown-linux-gnu`).
    let present = |name: &str| {
        installed
            .lines()
            .map(str::trim)
            .any(|line| line == name || line.starts_with(&format!("{name}-")))
    };
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|name| !present(name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask setup: rustup {kind} add {}", missing.join(" "));
    let mut command = Command::new("rustup");
    command
        .arg(kind)
        .arg("add")
        .args(&missing)
        .current_dir(root);
    crate::run_status(
        &mut command,
        &format!("rustup {kind} add {}", missing.join(" ")),
    )
}

// ---------------------------------------------------------------- helpers

/// `command -v program`: an executable file of that name in a PATH directory.
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(program))
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    })
}

/// Effective user id 0, read from /proc/self/status (std has no geteuid).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .and_then(|line| line.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::{mirror_in, parse_depends};

    #[test]
    fn depends_lines_name_the_packages() {
        let text = "linux-headers-6.12.95+deb12-amd64\n  Depends: linux-base\n  Depends: linux-headers-6.12.95+deb12-common\n |Depends: linux-image-6.12.95+deb12-amd64\n  Depends: <linux-initramfs-tool>\n  Depends: linux-kbuild-6.12.95+deb12\n";
        assert_eq!(
            parse_depends(text),
            ["linux-base", "linux-headers-6.12.95+deb12-common", "linux-image-6.12.95+deb12-amd64", "linux-kbuild-6.12.95+deb12"]
        );
    }

    #[test]
    fn mirror_comes_from_the_release_line_or_stanza() {
        let list = "# deb http://old.example/debian bookworm main\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n".to_string();
        assert_eq!(mirror_in(&[list], "bookworm-backports").as_deref(), Some("http://mirror.example/debian"));
        let deb822 = "Types: deb\nURIs: http://sec.example/debian-security\nSuites: bookworm-security\n\nTypes: deb deb-src\nURIs: http://stanza.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n".to_string();
        assert_eq!(mirror_in(&[deb822], "bookworm-backports").as_deref(), Some("http://stanza.example/debian"));
        let other = "deb http://mirror.example/debian trixie main\n".to_string();
        assert_eq!(mirror_in(&[other], "bookworm-backports"), None);
    }
}
