//! `include/wells.h`: generated from the `wells-ffi` crate with cbindgen (used as a library).

use std::path::{Path, PathBuf};

use crate::Result;

const HEADER: &str = "include/wells.h";

fn header_path(root: &Path) -> PathBuf {
    root.join(HEADER)
}

/// Runs cbindgen over wells-ffi with wells-ffi/cbindgen.toml and returns the header text.
fn generate(root: &Path) -> Result<Vec<u8>> {
    let crate_dir = root.join("wells-ffi");
    let config_path = crate_dir.join("cbindgen.toml");
    if !config_path.is_file() {
        return Err(format!("{} does not exist", config_path.display()));
    }
    let config = cbindgen::Config::from_file(&config_path)
        .map_err(|e| format!("cannot read {}: {e}", config_path.display()))?;
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .map_err(|e| format!("cbindgen failed on {}: {e}", crate_dir.display()))?;
    let mut text = Vec::new();
    bindings.write(&mut text);
    if text.is_empty() {
        return Err("cbindgen produced an empty header".to_string());
    }
    Ok(text)
}

/// `cargo xtask header`: writes include/wells.h (left untouched when already current).
pub fn write(root: &Path) -> Result<()> {
    let text = generate(root)?;
    let path = header_path(root);
    if std::fs::read(&path).ok().as_deref() == Some(text.as_slice()) {
        println!("xtask: {HEADER} is up to date");
        return Ok(());
    }
    std::fs::create_dir_all(root.join("include"))
        .map_err(|e| format!("cannot create include/: {e}"))?;
    std::fs::write(&path, &text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("xtask: wrote {HEADER}");
    Ok(())
}

/// `cargo xtask header --check`: fails when the checked-in header differs from a fresh one.
pub fn check(root: &Path) -> Result<()> {
    let text = generate(root)?;
    match std::fs::read(header_path(root)) {
        Ok(current) if current == text => {
            println!("xtask: {HEADER} is up to date");
            Ok(())
        }
        Ok(_) => Err(format!("{HEADER} is stale: run `cargo xtask header`")),
        Err(e) => Err(format!(
            "{HEADER} cannot be read ({e}): run `cargo xtask header`"
        )),
    }
}
