//! Links every program at 0x8000_0000 with `user.ld` (only for the bare-metal Arm targets), and
//! generates the facts of the board they run on (`boards/qemu-virt.toml`) for the programs that
//! probe the kernel's memory.
fn main() {
    wells_board::facts_only("qemu-virt");
    println!("cargo:rerun-if-changed=user.ld");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("none") {
        return;
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/user.ld");
    // Keep file offsets congruent to addresses modulo 4 KiB, not lld's default 64 KiB: smaller
    // files, same page-aligned segments.
    println!("cargo:rustc-link-arg=-zmax-page-size=4096");
}
