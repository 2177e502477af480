//! Kernel memory.

pub mod heap;

pub use heap::{HeapStats, KernelHeap};
