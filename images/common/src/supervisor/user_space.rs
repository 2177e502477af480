//! A task's memory as each board makes it: the seam between the shared task code and the CPU.

use alloc::string::String;
use wells_core::Error;

/// Where a loaded program starts.
#[derive(Debug, Clone, Copy)]
pub struct Entry<M> {
    pub pc: usize,
    pub mode: M,
}

/// A task's memory on one CPU: an MMU address space ([`super::paged::PagedSpace`]) or MPU
/// regions, and how its threads enter user mode.
pub trait UserSpace: Sized + Send + 'static {
    /// What a task starts from: an ELF image, or a program built into the kernel image.
    type Program: Copy;
    /// How the CPU enters the task's code (e.g. AArch64 or AArch32); `()` where there is one way.
    type Mode: Copy + Send + 'static;

    /// An empty space for task number `number` (1 for the first task of a kernel).
    fn new(number: usize) -> Result<Self, String>;
    /// Loads `program`; returns where it starts.
    fn load(&mut self, program: Self::Program) -> Result<Entry<Self::Mode>, String>;
    /// The token the task's domain carries (what `Arch::switch_space` gets).
    fn token(&self) -> usize;
    /// True when the task may read (with `write`: write) `[start, start + len)`.
    fn may_access(&self, start: usize, len: usize, write: bool) -> bool;
    /// True when a new thread of the task may start at `pc` in `mode`: in the task's code, and
    /// at an odd address (Thumb) only where the mode runs Thumb (never on A64).
    fn may_start_at(&self, mode: Self::Mode, pc: usize) -> bool;
    /// The top `add_stack` would return next, or the error it would give; changes nothing.
    /// Lets a caller make everything else first and add the stack last, when nothing can fail.
    fn next_stack(&self) -> Result<usize, Error>;
    /// A fresh user stack; returns its top. Runs with the registry locked.
    fn add_stack(&mut self) -> Result<usize, Error>;
    /// Makes a change to the running task's own space take effect (a stack added under it).
    fn reload(&self) {}
    /// Base address of the task's first RAM (tests hand it to other tasks to poke at).
    fn ram(&self) -> usize;
    /// Every task is gone: frees what their spaces share. Runs with the registry locked.
    fn clear_all() {}
    /// Leaves the kernel for the task's code at `pc` on user stack `sp`, `arg` in its first
    /// argument register.
    fn enter(mode: Self::Mode, pc: usize, sp: usize, arg: usize) -> !;
}
