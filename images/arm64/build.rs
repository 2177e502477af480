//! Generates the image's constants and linker script from `boards/qemu-virt.toml`. The supervisor
//! and the hypervisor load where QEMU puts a kernel. The supervisor: a 64 KiB boot stack above an unmapped guard
//! page, a 96 MiB heap. The hypervisor (physical addresses; its guests see their own layout
//! through stage 2): a 64 KiB boot stack, and the rest of the 1 GiB it asks QEMU for as the
//! heap, 2 MiB aligned, from which VMs get their RAM. The monitor runs in place from the secure
//! flash with its data and a 16 KiB stack in secure SRAM.
use wells_board::system::{self, Offer};
use wells_board::{Heap, Layout, GIB, KIB, MIB};

fn main() {
    if std::env::var_os("CARGO_FEATURE_MONITOR").is_some() {
        // The monitor: in place in the secure flash, a 16 KiB stack in secure SRAM, no heap.
        let layout = Layout { secure: true, ..Layout::kernel(16 * KIB, Heap::None) };
        wells_board::build_script("qemu-virt", "arm64", &layout);
        return;
    }
    let layout = if std::env::var_os("CARGO_FEATURE_HYPERVISOR").is_some() {
        // Below the wells monitor (feature `normal-world`, the full stack): linked where the
        // monitor enters it.
        let below_monitor = std::env::var_os("CARGO_FEATURE_NORMAL_WORLD").is_some();
        Layout { heap_align: 2 * MIB, below_monitor, ..Layout::kernel(64 * KIB, Heap::RestOfRam { ram_size: Some(GIB) }) }
    } else {
        // Below the wells monitor (feature `normal-world`): linked where the monitor enters it.
        let below_monitor = std::env::var_os("CARGO_FEATURE_NORMAL_WORLD").is_some();
        if std::env::var_os("CARGO_FEATURE_SECURE_WORLD").is_some() {
            // The secure world: in the secure DRAM (15 MiB), so a heap that fits there.
            Layout { stack_guard: 4 * KIB, secure_world: true, ..Layout::kernel(64 * KIB, Heap::Size(8 * MIB)) }
        } else {
            Layout { stack_guard: 4 * KIB, below_monitor, ..Layout::kernel(64 * KIB, Heap::Size(96 * MIB)) }
        }
    };
    wells_board::build_script("qemu-virt", "arm64", &layout);
    // The system the demo runs (`systems/`): VMs, or tasks with 64- and 32-bit programs.
    let offer = |level, programs, guests| Offer { board: "qemu-virt", cpu: "arm64", level, programs, guests };
    if std::env::var_os("CARGO_FEATURE_HYPERVISOR").is_some() {
        // The guests this image carries (`hypervisor/guests.rs`): the bare test guest and the
        // supervisor demo cargo xtask builds (its default system).
        let mut guests = vec![(system::BARE_GUEST, "guests::BARE"), ("arm64-tasks", "guests::SUPERVISOR")];
        // With feature `linux-guest`: Debian's arm64 Linux (docs/linux-guest.md).
        if std::env::var_os("CARGO_FEATURE_LINUX_GUEST").is_some() {
            guests.push(("linux", "guests::LINUX"));
        }
        // Below the wells monitor: the full stack's guest too, whose client task calls the
        // secure service (`systems/arm64-full-stack-guest.toml`).
        if std::env::var_os("CARGO_FEATURE_NORMAL_WORLD").is_some() {
            guests.push(("arm64-full-stack-guest", "guests::FULL_STACK_GUEST"));
        }
        // Below the monitor its default system is the full stack's normal world.
        let default = if std::env::var_os("CARGO_FEATURE_NORMAL_WORLD").is_some() { "arm64-full-stack-vms" } else { "arm64-vms" };
        system::build_script(default, &offer("hypervisor", &[], &guests[..]));
    } else if std::env::var_os("CARGO_FEATURE_SECURE_WORLD").is_some() {
        system::build_script("arm64-secure", &offer("supervisor", &[(64, "a64")], &[]));
    } else if std::env::var_os("CARGO_FEATURE_FULL_STACK_GUEST").is_some() {
        system::build_script("arm64-full-stack-guest", &offer("supervisor", &[(64, "a64"), (32, "a32")], &[]));
    } else if std::env::var_os("CARGO_FEATURE_USER32").is_some() {
        system::build_script("arm64-tasks", &offer("supervisor", &[(64, "a64"), (32, "a32")], &[]));
    }
    // What cargo xtask builds first and the image embeds.
    for embedded in ["WELLS_USER_APPS_64", "WELLS_USER_APPS_32", "WELLS_GUESTS_64", "WELLS_GUEST_SUPERVISOR_64", "WELLS_GUEST_SUPERVISOR_BENCH_64", "WELLS_GUEST_LINUX_64", "WELLS_GUEST_FULL_STACK_64"] {
        println!("cargo:rerun-if-env-changed={embedded}");
    }
}
