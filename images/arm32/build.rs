//! Generates the image's constants and linker script from its board's description. On QEMU
//! virt both levels load where QEMU puts a kernel: the supervisor with a 64 KiB boot stack above
//! an unmapped guard page and a 96 MiB heap; the hypervisor (physical addresses; its guests see
//! their own layout through stage 2) with a 64 KiB boot stack and the rest of the 1 GiB it asks
//! QEMU for as the heap, 2 MiB aligned, from which VMs get their RAM. On the mps3-an536: a
//! 64 KiB boot stack, a 32 MiB heap, and the tasks' slots of task RAM past it (program and
//! stacks of one task each, `supervisor/mpu_space.rs`); the R52 hypervisor: a 64 KiB boot stack
//! and a 4 MiB heap, its partitions' RAM past it (`partitions/layout.rs`).
use wells_board::system::{self, Offer};
use wells_board::{Heap, Layout, GIB, KIB, MIB};

fn main() {
    let feature = |name: &str| std::env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    let (board, cpu, layout) = if feature("MPS3_AN536") && feature("HYPERVISOR") {
        // The R52 hypervisor: its partitions' RAM lies past its heap (`partitions/layout.rs`).
        // Linked 128 MiB into DDR, leaving the board's image address to a partition that runs
        // the R52 supervisor image itself (`partitions/layout.rs`).
        ("mps3-an536", "cortex-r52", Layout { image_base: Some(0x2800_0000), ..Layout::kernel(64 * KIB, Heap::Size(4 * MIB)) })
    } else if feature("MPS3_AN536") {
        ("mps3-an536", "cortex-r52", Layout { task_ram: true, ..Layout::kernel(64 * KIB, Heap::Size(32 * MIB)) })
    } else if feature("HYPERVISOR") {
        ("qemu-virt", "arm32", Layout { heap_align: 2 * MIB, ..Layout::kernel(64 * KIB, Heap::RestOfRam { ram_size: Some(GIB) }) })
    } else {
        ("qemu-virt", "arm32", Layout { stack_guard: 4 * KIB, ..Layout::kernel(64 * KIB, Heap::Size(96 * MIB)) })
    };
    wells_board::build_script(board, cpu, &layout);
    // The system the demo runs (`systems/`): on QEMU virt VMs, or tasks; on the Cortex-R52 tasks.
    let offer = |level, programs, guests| Offer { board: "qemu-virt", cpu: "arm32", level, programs, guests };
    if feature("MPS3_AN536") && feature("HYPERVISOR") {
        // The R52 hypervisor's partitions (`partitions/system.rs`): the guests it carries, the
        // bare guest and the R52 supervisor demo.
        let guests = &[(system::BARE_GUEST, "crate::partitions::guests::BARE"), ("r52-tasks", "crate::partitions::guests::SUPERVISOR")];
        let offer = Offer { board: "mps3-an536", cpu: "cortex-r52", level: "hypervisor", programs: &[], guests };
        system::build_script("r52-partitions", &offer);
    } else if feature("MPS3_AN536") {
        let offer = Offer { board: "mps3-an536", cpu: "cortex-r52", level: "supervisor", programs: &[(32, "t32")], guests: &[] };
        system::build_script("r52-tasks", &offer);
    } else if feature("QEMU_VIRT") && feature("HYPERVISOR") {
        // The guests this image carries (`hypervisor/guests.rs`): the bare test guest and the
        // supervisor demo cargo xtask builds (its default system).
        let guests = &[(system::BARE_GUEST, "guests::BARE"), ("arm32-tasks", "guests::SUPERVISOR")];
        system::build_script("arm32-vms", &offer("hypervisor", &[], guests));
    } else if feature("QEMU_VIRT") && feature("USER") {
        system::build_script("arm32-tasks", &offer("supervisor", &[(32, "a32")], &[]));
    }
    // What cargo xtask builds first and the image embeds.
    for embedded in ["WELLS_GUESTS_R52", "WELLS_GUEST_SUPERVISOR_R52", "WELLS_USER_APPS_32", "WELLS_GUESTS_32", "WELLS_GUEST_SUPERVISOR_32", "WELLS_GUEST_SUPERVISOR_BENCH_32"] {
        println!("cargo:rerun-if-env-changed={embedded}");
    }
}
