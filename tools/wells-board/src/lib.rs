//! Board descriptions: one TOML file per board in `boards/` holds its facts — RAM, console,
//! interrupt controller, timer interrupts, what its VMs see, QEMU's machine and the CPUs it
//! runs with their Rust targets. An image's build script turns a description into Rust
//! constants and a linker script ([`build_script`]); `cargo xtask` reads the same file for
//! QEMU's command line. No board address is written anywhere else.
//!
//! A description that does not make sense fails the build with the file, line and field.
//!
//! The same crate reads the system descriptions, `systems/*.toml` ([`system`]): which board,
//! CPU and level a runnable system has and its domains. They live here rather than in a tool of
//! their own because a system is checked against its board's description (CPU families, the
//! guest layout a VM's RAM must hold), shares its file:line:field errors, and is read by the
//! same two users: the image build scripts (its `system.rs` tables) and xtask.

mod description;
mod generate;
mod layout;
pub mod system;

pub use description::{Cpu, Description, Gic, Region};
pub use layout::{Heap, Layout, GIB, KIB, MIB};

use std::path::{Path, PathBuf};

/// `boards/` of the repository that holds `start` (a crate's manifest directory).
pub fn boards_dir(start: &Path) -> PathBuf {
    start
        .ancestors()
        .map(|dir| dir.join("boards"))
        .find(|dir| dir.join("layout").is_dir())
        .unwrap_or_else(|| panic!("wells-board: no boards/ directory above {}", start.display()))
}

/// Reads and checks `boards/<board>.toml`.
pub fn load(boards: &Path, board: &str) -> Result<Description, String> {
    let path = boards.join(format!("{board}.toml"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    Description::parse(&text).map_err(|e| format!("{}:{e}", path.display()))
}

/// What a build script calls: checks `boards/<board>.toml`, checks that it has CPU family `cpu`,
/// writes the image's constants (`$OUT_DIR/facts.rs`, for `include!`) and linker script, and
/// tells cargo to link with it. A bad description stops the build with its message.
pub fn build_script(board: &str, cpu: &str, layout: &Layout) {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("wells-board: run from a build script"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("wells-board: run from a build script"));
    let boards = boards_dir(&manifest);
    println!("cargo:rerun-if-changed={}", boards.join(format!("{board}.toml")).display());
    println!("cargo:rerun-if-changed={}", boards.join("layout").display());
    let outcome = load(&boards, board).and_then(|description| {
        description.cpu(cpu)?;
        let facts = generate::rust(&description, board);
        let script = generate::linker_script(&description, board, layout)?;
        write(&out.join("facts.rs"), &facts)?;
        write(&out.join("memory.ld"), &script)
    });
    if let Err(message) = outcome {
        // Cargo shows a failed build script's stderr.
        eprintln!("bad board description: {message}");
        std::process::exit(1);
    }
    println!("cargo:rustc-link-arg=-L{}", boards.join("layout").display());
    println!("cargo:rustc-link-arg=-T{}", out.join("memory.ld").display());
}

/// For a build script that needs only the constants (programs run on the board, linked their
/// own way): checks `boards/<board>.toml` and writes `$OUT_DIR/facts.rs`.
pub fn facts_only(board: &str) {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("wells-board: run from a build script"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("wells-board: run from a build script"));
    let boards = boards_dir(&manifest);
    println!("cargo:rerun-if-changed={}", boards.join(format!("{board}.toml")).display());
    let outcome = load(&boards, board).and_then(|description| write(&out.join("facts.rs"), &generate::rust(&description, board)));
    if let Err(message) = outcome {
        eprintln!("bad board description: {message}");
        std::process::exit(1);
    }
}

/// The linker script [`build_script`] writes for an image of `board` with `layout`, for a
/// program another toolchain links (the C programs of `cargo xtask osek --board
/// qemu-mps2-an385`): link it with `-L boards/layout`. A bad description gives its message.
pub fn linker_script(boards: &Path, board: &str, layout: &Layout) -> Result<String, String> {
    let description = load(boards, board)?;
    generate::linker_script(&description, board, layout)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linker_script_for_another_toolchain_is_the_build_scripts() {
        let boards = boards_dir(Path::new(env!("CARGO_MANIFEST_DIR")));
        let layout = Layout { handler_stack: 4 * KIB, ..Layout::kernel(16 * KIB, Heap::RestOfRam { ram_size: None }) };
        let script = linker_script(&boards, "mps2-an385", &layout).unwrap();
        let description = load(&boards, "mps2-an385").unwrap();
        assert_eq!(script, generate::linker_script(&description, "mps2-an385", &layout).unwrap());
        assert!(script.contains("ORIGIN = 0x20000000") && script.contains("INCLUDE xip.ld"), "{script}");
        assert!(linker_script(&boards, "no-such-board", &layout).unwrap_err().contains("no-such-board.toml"));
    }
}
