//! Generates the guest's constants and linker script from `boards/qemu-virt.toml`: linked where
//! a VM of the wells hypervisor loads it (`[guest]`), a 16 KiB stack, no heap. One crate for both
//! CPU families: the target picks the description's `arm64` or `arm32`.
//!
//! For the Cortex-R52 (`armv8r-none-eabihf`, `cfg(wells_r52)`) it is a partition of the EL2
//! hypervisor instead: no address translation there, so it is a position-independent executable
//! linked at 0 (`r52-guest.ld`) that the hypervisor copies into each partition's RAM and
//! relocates; its facts are `boards/mps3-an536.toml`'s.
use wells_board::{Heap, Layout, KIB};

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wells_r52)");
    if std::env::var("TARGET").as_deref() == Ok("armv8r-none-eabihf") {
        println!("cargo:rustc-cfg=wells_r52");
        wells_board::facts_only("mps3-an536");
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        println!("cargo:rerun-if-changed=r52-guest.ld");
        println!("cargo:rustc-link-arg=-T{dir}/r52-guest.ld");
        println!("cargo:rustc-link-arg=-pie");
        // Segments need only the MPU's 64-byte granule, not lld's default 64 KiB pages.
        println!("cargo:rustc-link-arg=-zmax-page-size=64");
        return;
    }
    let cpu = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("aarch64") => "arm64",
        _ => "arm32",
    };
    let layout = Layout { as_guest: true, ..Layout::kernel(16 * KIB, Heap::None) };
    wells_board::build_script("qemu-virt", cpu, &layout);
}
