//! Generates the guest's constants and linker script from `boards/qemu-virt.toml`: linked where
//! a VM of the wells hypervisor loads it (`[guest]`), a 16 KiB stack, no heap. One crate for both
//! CPU families: the target picks the description's `arm64` or `arm32`.
use wells_board::{Heap, Layout, KIB};

fn main() {
    let cpu = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("aarch64") => "arm64",
        _ => "arm32",
    };
    let layout = Layout { as_guest: true, ..Layout::kernel(16 * KIB, Heap::None) };
    wells_board::build_script("qemu-virt", cpu, &layout);
}
