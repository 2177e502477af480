//! Kernel memory.

pub mod heap;
pub mod stack;

pub use heap::{HeapStats, KernelHeap};
pub use stack::{GuardPages, Stack};
