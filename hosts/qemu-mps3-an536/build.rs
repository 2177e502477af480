//! Generates the board's constants and linker script from `boards/mps3-an536.toml`: loaded at
//! its image address, a 64 KiB boot stack, a 32 MiB heap, and the tasks' stack slots past it.
use wells_board::{Heap, Layout, KIB, MIB};

fn main() {
    let layout = Layout { task_ram: true, ..Layout::kernel(64 * KIB, Heap::Size(32 * MIB)) };
    wells_board::build_script("mps3-an536", "cortex-r52", &layout);
}
