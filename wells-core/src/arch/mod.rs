//! The Arch trait: everything the core needs from a CPU, and the small glue that crosses from
//! the core's safe code into a context switch.
//!
//! A port lives in `arch/<cpu>/`. Contexts are saved on the thread's own stack, so a context is
//! just a saved stack pointer: `switch` pushes the callee-saved registers of the current context,
//! stores its stack pointer, loads the next one and pops its registers.
//!
//! The ports that establish a level (vectors, boot code, MMU/MPU, system registers) come with
//! feature `bare-metal`, which the QEMU images turn on; the C library leaves it off, so nothing of
//! them (no vector table, no exported trap handler) lands in a `libwells.a` another OS links.

#[cfg(all(feature = "bare-metal", target_arch = "aarch64"))]
pub mod aarch64;
#[cfg(all(feature = "bare-metal", target_arch = "arm", target_has_atomic = "64"))]
pub mod arm;
// ARMv8-R AArch32 (Cortex-R52): the `arm` port with the EL1 MPU instead of the MMU.
#[cfg(all(feature = "bare-metal", target_arch = "arm", target_has_atomic = "64"))]
pub mod armv8r;
// M-profile: the only stable cfg telling thumbv6m/v7m/v7em from A/R-profile Arm is the missing
// 64-bit atomics (no LDREXD); `target_feature = "mclass"` is not visible on stable.
#[cfg(all(feature = "bare-metal", target_arch = "arm", target_os = "none", not(target_has_atomic = "64")))]
pub mod armv7m;
// Wells inside an environment that runs the CPU already (the C library's port, every CPU).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "arm"))]
pub mod joined;
pub mod soft_mask;
// What the hypervisor levels of every CPU (AArch64 EL2, ARMv7 HYP) share.
pub mod hypervisor;
// What a monitor level (Arm EL3) decides: SMCCC decoding and the PSCI answers, plain logic.
pub mod monitor;
// A 32-bit counter widened per CPU (the ARMv7-A cycle counter).
#[cfg(target_has_atomic = "64")]
pub mod widened;

use crate::kernel::state::Switch;
use crate::kernel::Kernel;

/// A count of the instructions a CPU ran, as the benchmarks read it. Under QEMU
/// `-icount shift=0` a CPU's cycle counter advances once per instruction, and so does virtual
/// time (one ns per instruction): each port offers what its CPU (as QEMU models it) has, and a
/// board whose CPU model has neither uses its own clock. Static, like the registers it reads.
pub trait InstructionCounter {
    /// Starts the counter and lets user tasks read it.
    fn start();
    /// The counter, widened to 64 bits where it has fewer.
    fn read() -> u64;
    /// The counter as it reads most cheaply (it may wrap: see [`InstructionCounter::between`]).
    fn raw() -> u64;
    /// Instructions from raw reading `earlier` to raw reading `later`.
    fn between(earlier: u64, later: u64) -> u64;
}

/// What the core needs from a CPU.
pub trait Arch: Sync + Sized + 'static {
    /// The smallest stack a thread may have on this port (room for trap or signal frames).
    const MIN_STACK: usize;
    /// The stack a thread gets when it asks for none (size 0).
    const DEFAULT_STACK: usize = 64 * 1024;
    /// The largest stack a thread may ask for.
    const MAX_STACK: usize = 64 * 1024 * 1024;
    /// Alignment of a stack's allocation: more than the ABI's 16 bytes where the host tells a
    /// stack overflow from address bits (Linux on arm64, see `joined`).
    const STACK_ALIGN: usize = 16;

    /// Masks interrupts; returns true when they were enabled before.
    fn irq_save(&self) -> bool;
    /// Restores the state [`Arch::irq_save`] returned.
    fn irq_restore(&self, were_enabled: bool);
    /// Hosted ports mask interrupts in software: an interrupt arriving while masked is recorded
    /// here and run by the core when the mask is lifted. Hardware ports never call it.
    fn irq_defer(&self) {}
    /// Takes the record left by [`Arch::irq_defer`]; always false on hardware ports.
    fn irq_take_deferred(&self) -> bool {
        false
    }
    /// Work an embedder queued from interrupt context (the joining port's
    /// `Joined::queue_work`), which the next tick runs as it runs a timer callback; taken once.
    /// Always `None` on hardware ports.
    fn take_queued_work(&self) -> Option<fn()> {
        None
    }

    /// Index of the CPU the caller runs on.
    fn cpu_id(&self) -> usize;

    /// Guard pages for thread stacks, when the port has an MMU to make them.
    fn guard_pages(&self) -> Option<&'static dyn crate::mem::GuardPages> {
        None
    }

    /// Makes the address space `space` (a token the board gave the domain) current before a
    /// thread of another domain runs. Ports without address spaces ignore it.
    fn switch_space(&self, _space: usize) {}

    /// Prepares `stack` so that switching to the returned stack pointer calls `entry(arg,
    /// token)` on it, `token` being what that switch passed (see [`Arch::switch`]).
    fn init_stack(&self, stack: &mut [u8], entry: ThreadEntry, arg: usize) -> usize;

    /// True when [`Arch::switch`] passes its token on: the kernel on several CPUs then hands
    /// its lock to the context it switches to while no other CPU runs threads
    /// (`Kernel::switch_locked`). Ports that never run several CPUs need not.
    const PASSES_SWITCH_TOKEN: bool = false;

    /// Saves the current context's stack pointer to `*save_sp` and resumes the context whose
    /// stack pointer is `next_sp`. Returns when something switches back to the saved context,
    /// with the `token` that switch passed (a new thread gets it as its entry's second
    /// argument) where [`Arch::PASSES_SWITCH_TOKEN`]; anything otherwise.
    ///
    /// # Safety
    /// `save_sp` must be writable; `next_sp` must come from [`Arch::init_stack`] or from an
    /// earlier `switch` of a context that has not run since, on a stack that is still alive.
    /// Interrupts must be masked.
    unsafe fn switch(&self, save_sp: *mut usize, next_sp: usize, token: usize) -> usize;
}

/// A new thread's first code: called with the argument given to [`Arch::init_stack`] and the
/// token of the switch that started it.
pub type ThreadEntry = extern "C" fn(usize, usize) -> !;

/// The one place the core switches contexts (and address spaces, when the domain changes).
/// When the kernel's lock is held across it the context switched to releases it
/// (`Kernel::switch_locked`; a new thread in [`thread_bootstrap`]); `token` says so to that
/// context, and the token returned is what the switch back to this one passed.
#[inline(always)]
pub(crate) fn switch_context<A: Arch>(arch: &A, switch: Switch, token: usize) -> usize {
    if let Some(space) = switch.space {
        arch.switch_space(space);
    }
    // SAFETY: the scheduler hands over the saved-SP slot of the context being left (a boxed
    // thread, or the scheduler's idle or discard slot inside the pinned kernel; all alive for
    // the switch) and a stack pointer it saved or built with `init_stack` for a thread whose
    // stack is owned by the thread table; the caller holds interrupts masked.
    unsafe { arch.switch(switch.save, switch.resume, token) }
}

/// First code a new thread runs, on its own stack, with interrupts masked; `token` is what the
/// switch that started it passed.
pub(crate) extern "C" fn thread_bootstrap<A: Arch>(kernel: usize, token: usize) -> ! {
    // SAFETY: `kernel` is the address `Kernel::thread_create` passed to `init_stack`: the kernel
    // is pinned in a box and outlives all its threads (it cannot be dropped from one of them).
    let kernel = unsafe { &*(kernel as *const Kernel<A>) };
    if Kernel::<A>::lock_came_with(token) {
        let lock = kernel.lock_handed_over();
        // SAFETY: the switch that started this thread kept the kernel's lock and handed it over
        // (`Kernel::switch_locked`): it is held on this new thread's behalf, which has no guard
        // of its own, and nothing keeps `state` past the unlock.
        let state = unsafe { &mut *lock.as_mut_ptr() };
        kernel.first_steps(Some(state));
        // SAFETY: the lock is held for this thread (above), which is done with the state.
        unsafe { lock.force_unlock() };
    } else {
        kernel.first_steps(None);
    }
    kernel.run_new_thread()
}

/// Lets the kernel's lock go for a switch that does not hand it over, while the caller keeps
/// its guard (`Kernel::switch_locked`): it takes the lock again before it reads the state
/// through the guard, which then lets the lock go in the end. The guard holds no reference
/// into the state (spin's guard reaches the data through the lock on each access).
pub(crate) fn let_lock_go_keeping_guard<A: Arch>(kernel: &Kernel<A>) {
    // SAFETY: the caller holds the lock (its guard is alive) and does not touch the state
    // until it has taken the lock again.
    unsafe { kernel.lock_handed_over().force_unlock() }
}

/// Calls a thread's entry, which stays owned by its thread control block.
pub(crate) fn call_entry(entry: *mut (dyn FnMut() -> i32 + Send)) -> i32 {
    // SAFETY: `entry` points into the boxed entry of the current thread's control block; only
    // this thread touches it, and the block lives until the thread has exited and been joined.
    unsafe { (*entry)() }
}
