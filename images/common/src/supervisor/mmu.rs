//! What shared code needs from the CPU of an MMU board: address spaces for the kernel
//! ([`crate::kernel_map`]) and for tasks ([`crate::supervisor::paged`]), and how user code is entered.

use alloc::string::String;
pub use object::Architecture;

/// The page size of both MMU ports.
pub const PAGE: usize = 4096;

/// What a mapping allows (both MMU ports' access fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// MMIO (device memory) rather than normal memory.
    pub device: bool,
    /// User code may access it.
    pub user: bool,
    pub writable: bool,
    pub executable: bool,
}

/// The MMU port of a board's CPU.
pub trait Mmu: 'static {
    /// The port's address space.
    type Space: Send + Sync;
    /// How the CPU enters task code.
    type Mode: Copy + Send + 'static;

    /// The kernel's own space, empty.
    fn kernel_space() -> Self::Space;
    /// Turns the MMU on with the kernel's space, built by [`crate::supervisor::kernel_map::KernelSpace`]
    /// (image, boot stack, heap, devices); from now on thread stacks get guard pages.
    fn enable(space: &'static Self::Space);
    /// A task's space sharing the kernel's entries, with address-space ID `asid` (1..=255).
    fn task_space(asid: usize) -> Self::Space;
    /// The token for `Arch::switch_space`.
    fn token(space: &Self::Space) -> usize;
    /// Maps `size` bytes (whole pages) from `va` to `pa` with `access`.
    fn map(space: &mut Self::Space, va: usize, pa: usize, size: usize, access: Access);
    /// How a program for `architecture` (`is_64`: 64-bit) starting at `entry` runs, or why it
    /// cannot on this CPU.
    fn mode(architecture: Architecture, is_64: bool, entry: usize) -> Result<Self::Mode, String>;
    /// True when a thread of a task in `mode` may start at an odd address: bit 0 then means
    /// Thumb, which only 32-bit code on a CPU that runs Thumb has (never A64).
    fn thumb_entry(mode: Self::Mode) -> bool;
    /// Leaves the kernel for user code at `pc` on stack `sp`, `arg` in its first argument register.
    fn enter(mode: Self::Mode, pc: usize, sp: usize, arg: usize) -> !;
}
