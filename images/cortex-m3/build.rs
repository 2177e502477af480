//! Generates the board's constants and linker script from `boards/mps2-an385.toml`: executed in
//! place from its flash, data in RAM, a 2 KiB handler stack and an 8 KiB boot stack (160 bytes
//! and 1.25 KiB in the minimal configuration), and the rest of RAM as the heap.
use wells_board::system::{self, Offer};
use wells_board::{Heap, Layout, KIB};

fn main() {
    // The minimal configuration runs no system call and no task: smaller stacks serve it. Its
    // run used 16 bytes of the handler stack (the kernel runs in thread mode) and 920 of the
    // boot stack, 1040 with every optional core feature (`cargo xtask bench --minimal` builds
    // each); the image checks that at least 128 bytes of each stay untouched.
    let minimal = std::env::var_os("CARGO_FEATURE_MINIMAL").is_some();
    let (boot_stack, handler_stack) = if minimal { (KIB + KIB / 4, 160) } else { (8 * KIB, 2 * KIB) };
    let layout = Layout { handler_stack, ..Layout::kernel(boot_stack, Heap::RestOfRam { ram_size: None }) };
    wells_board::build_script("mps2-an385", "cortex-m3", &layout);
    // The system the demo runs (`systems/`): its tasks run the embedded `user/apps` programs.
    if std::env::var_os("CARGO_FEATURE_HYPERVISOR").is_some() {
        // The partitions' system: its programs are those of `src/partitions/programs.rs`.
        let guests = &[
            ("m3-wells", "crate::partitions::programs::WELLS_DEMO"),
            ("m3-threads", "crate::partitions::programs::THREADS_DEMO"),
            ("m3-spin", "crate::partitions::programs::SPIN"),
        ];
        let offer = Offer { board: "mps2-an385", cpu: "cortex-m3", level: "hypervisor", programs: &[], guests };
        system::build_script("m3-partitions", &offer);
        return;
    }
    let offer = Offer { board: "mps2-an385", cpu: "cortex-m3", level: "supervisor", programs: &[(32, "apps")], guests: &[] };
    system::build_script("m3-tasks", &offer);
}
