//! Generates the board's constants and linker script from `boards/mps2-an385.toml`: executed in
//! place from its flash, data in RAM, a 2 KiB handler stack, an 8 KiB boot stack, and the rest
//! of RAM as the heap.
use wells_board::system::{self, Offer};
use wells_board::{Heap, Layout, KIB};

fn main() {
    let layout = Layout { handler_stack: 2 * KIB, ..Layout::kernel(8 * KIB, Heap::RestOfRam { ram_size: None }) };
    wells_board::build_script("mps2-an385", "cortex-m3", &layout);
    // The system the demo runs (`systems/`): its tasks run the embedded `user/apps` programs.
    let offer = Offer { board: "mps2-an385", cpu: "cortex-m3", level: "supervisor", programs: &[(32, "apps")], guests: &[] };
    system::build_script("m3-tasks", &offer);
}
