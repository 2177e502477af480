//! Generates the board's constants and linker script from `boards/qemu-virt.toml`: loaded at
//! its image address, a 64 KiB boot stack above an unmapped guard page, a 96 MiB heap.
use wells_board::{Heap, Layout, KIB, MIB};

fn main() {
    let layout = Layout { stack_guard: 4 * KIB, ..Layout::kernel(64 * KIB, Heap::Size(96 * MIB)) };
    wells_board::build_script("qemu-virt", "arm64", &layout);
    println!("cargo:rerun-if-env-changed=WELLS_USER_APPS_64");
    println!("cargo:rerun-if-env-changed=WELLS_USER_APPS_32");
}
