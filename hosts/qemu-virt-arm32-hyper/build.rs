//! Generates the board's constants and linker script from `boards/qemu-virt.toml`: loaded where
//! the supervisor images load (physical addresses; guests see their own layout through stage 2),
//! a 64 KiB boot stack, and the rest of the 1 GiB the image asks QEMU for as the heap, from which
//! VMs get their RAM. The guest images come from the paths `cargo xtask` gives in the
//! environment.
use wells_board::{Heap, Layout, GIB, KIB, MIB};

fn main() {
    let heap = Heap::RestOfRam { ram_size: Some(GIB) };
    let layout = Layout { heap_align: 2 * MIB, ..Layout::kernel(64 * KIB, heap) };
    wells_board::build_script("qemu-virt", "arm32", &layout);
    println!("cargo:rerun-if-env-changed=WELLS_GUESTS_32");
    println!("cargo:rerun-if-env-changed=WELLS_GUEST_SUPERVISOR_32");
    println!("cargo:rerun-if-env-changed=WELLS_GUEST_SUPERVISOR_BENCH_32");
}
