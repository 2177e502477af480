//! The runnable systems, `systems/*.toml` (`systems/README.md`): `cargo xtask run --system`
//! boots one, `run --help` lists them with their one-line descriptions. A system names its
//! board, CPU family and level; the QEMU board of xtask ([`Board`]) with the same three builds
//! and boots its image, handing the system's name to the image's build script in `WELLS_SYSTEM`.

use std::path::Path;

use crate::qemu::{Board, QEMU_BOARDS};
use crate::Result;
use wells_board::system::{self, System};

/// Reads and checks `systems/<name>.toml`; the error names the file, line and field.
pub fn load(root: &Path, name: &str) -> Result<System> {
    system::load(&root.join("systems"), name)
}

/// The level an image crate's features build.
fn level(board: &Board) -> &'static str {
    if board.base_features.contains(&"hypervisor") {
        "hypervisor"
    } else if board.base_features.contains(&"monitor") {
        "monitor"
    } else {
        "supervisor"
    }
}

/// The QEMU board that runs `system`.
pub fn board_for(system: &System) -> Result<&'static Board> {
    QEMU_BOARDS
        .into_iter()
        .find(|b| b.description == system.board.get_ref() && b.cpu == system.cpu.get_ref() && level(b) == system.level.get_ref())
        .ok_or_else(|| format!("system `{}`: no image of xtask runs {} {} on board {}", system.name, system.cpu.get_ref(), system.level.get_ref(), system.board.get_ref()))
}

/// The environment of `board`'s demo build for `system`: nothing for its default system (so
/// the build is the one the tests and guest images share), else `WELLS_SYSTEM`.
pub fn env(board: &Board, system: &str) -> Result<Vec<(&'static str, String)>> {
    if system == board.system {
        Ok(Vec::new())
    } else {
        Ok(vec![("WELLS_SYSTEM", system.to_string())])
    }
}

/// Every system: (name, its one-line description), sorted by name.
pub fn list(root: &Path) -> Result<Vec<(String, String)>> {
    let systems = root.join("systems");
    system::names(&systems)?.into_iter().map(|name| Ok((name.clone(), system::load(&systems, &name)?.description))).collect()
}

/// `cargo xtask run --system <name>`: checks the description, then builds and boots its image.
pub fn run(root: &Path, name: &str) -> Result<u8> {
    let system = load(root, name)?;
    let board = board_for(&system)?;
    env(board, name)?;
    crate::setup::run(root)?;
    // A system with the Linux guest: its hypervisor image carries the kernel (docs/linux-guest.md).
    if system.domains().any(|d| d.image.as_ref().is_some_and(|i| i.get_ref() == system::LINUX_GUEST)) {
        return crate::linux_guest::run_system(root, name);
    }
    crate::qemu::run_demo(root, board, name)
}

/// The help's list of systems, read from `systems/`: a name, then its description wrapped.
pub fn help_list(root: &Path) -> String {
    let Ok(systems) = list(root) else {
        return String::from("  (systems/ does not read: `cargo test -p wells-board` says why)\n");
    };
    let mut out = String::new();
    for (name, description) in systems {
        out.push_str(&format!("  {name}\n"));
        let mut line = String::from("     ");
        for word in description.split_whitespace() {
            if line.len() + word.len() > 84 {
                out.push_str(&format!("{line}\n"));
                line = String::from("     ");
            }
            line.push(' ');
            line.push_str(word);
        }
        out.push_str(&format!("{line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every system has a board to run it, and every board's default system exists and is its.
    #[test]
    fn systems_and_boards_match() {
        let root = crate::repo_root();
        for (name, _) in list(&root).unwrap() {
            let system = load(&root, &name).unwrap();
            let board = board_for(&system).unwrap();
            assert!(env(board, &name).is_ok(), "{name} on {}", board.name);
        }
        for board in QEMU_BOARDS {
            let system = load(&root, board.system).unwrap_or_else(|e| panic!("{}: {e}", board.name));
            assert_eq!(board_for(&system).unwrap().name, board.name);
        }
        assert!(help_list(&root).contains("  arm64-tasks\n      wells at EL1"));
    }
}
