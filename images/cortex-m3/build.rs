//! Generates the board's constants and linker script from `boards/mps2-an385.toml`: executed in
//! place from its flash, data in RAM, a 2 KiB handler stack, an 8 KiB boot stack, and the rest
//! of RAM as the heap.
use wells_board::{Heap, Layout, KIB};

fn main() {
    let layout = Layout { handler_stack: 2 * KIB, ..Layout::kernel(8 * KIB, Heap::RestOfRam { ram_size: None }) };
    wells_board::build_script("mps2-an385", "cortex-m3", &layout);
}
