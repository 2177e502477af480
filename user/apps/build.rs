//! Links the programs for the bare-metal Arm targets, and generates the facts of the board they
//! run on for the programs that probe the kernel's memory: `boards/$WELLS_USER_BOARD.toml`
//! (`cargo xtask` sets it for the MPU boards), `boards/qemu-virt.toml` when it is not set.
//!
//! - A-profile targets (MMU boards): every program at 0x8000_0000 with `user.ld`.
//! - Thumb targets (`thumbv7m-none-eabi`, the MPU boards: `cfg(wells_mpu)`): position-independent
//!   executables linked at 0 with `user-mpu.ld`; the kernel relocates each copy. Every crate,
//!   `core` included, must then be compiled with `-C relocation-model=pie` (`cargo xtask` builds
//!   `core` from source for it: `user/README.md`).
fn main() {
    println!("cargo:rerun-if-env-changed=WELLS_USER_BOARD");
    let board = std::env::var("WELLS_USER_BOARD").unwrap_or_else(|_| String::from("qemu-virt"));
    wells_board::facts_only(&board);
    println!("cargo:rerun-if-changed=user.ld");
    println!("cargo:rerun-if-changed=user-mpu.ld");
    println!("cargo:rustc-check-cfg=cfg(wells_mpu)");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("none") {
        return;
    }
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    if std::env::var("TARGET").is_ok_and(|target| target.starts_with("thumbv")) {
        println!("cargo:rustc-cfg=wells_mpu");
        println!("cargo:rustc-link-arg=-T{dir}/user-mpu.ld");
        println!("cargo:rustc-link-arg=-pie");
        // Segments need only the MPU's 64-byte granule, not lld's default 64 KiB pages.
        println!("cargo:rustc-link-arg=-zmax-page-size=64");
        return;
    }
    println!("cargo:rustc-link-arg=-T{dir}/user.ld");
    // Keep file offsets congruent to addresses modulo 4 KiB, not lld's default 64 KiB: smaller
    // files, same page-aligned segments.
    println!("cargo:rustc-link-arg=-zmax-page-size=4096");
}
