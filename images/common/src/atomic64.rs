//! A 64-bit atomic counter everywhere: the CPU's own where it has one; on ARMv7-M, which has no
//! 64-bit atomics, the same interface over a cell touched only with interrupts masked (one CPU,
//! so that is enough).

#[cfg(target_has_atomic = "64")]
pub use core::sync::atomic::AtomicU64;

#[cfg(all(target_arch = "arm", target_os = "none", not(target_has_atomic = "64")))]
pub use masked::AtomicU64;

#[cfg(all(target_arch = "arm", target_os = "none", not(target_has_atomic = "64")))]
mod masked {
    use core::cell::UnsafeCell;
    use core::sync::atomic::Ordering;
    use wells_core::arch::armv7m::Armv7m;
    use wells_core::Arch;

    /// A `u64` read and written with the kernel's interrupts masked.
    pub struct AtomicU64(UnsafeCell<u64>);

    // SAFETY: every access masks interrupts, and there is one CPU.
    unsafe impl Sync for AtomicU64 {}

    impl AtomicU64 {
        pub const fn new(value: u64) -> Self {
            AtomicU64(UnsafeCell::new(value))
        }

        fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
            let were_enabled = Armv7m.irq_save();
            // SAFETY: interrupts are masked: nothing else runs until they are restored.
            let r = f(unsafe { &mut *self.0.get() });
            Armv7m.irq_restore(were_enabled);
            r
        }

        pub fn load(&self, _: Ordering) -> u64 {
            self.with(|v| *v)
        }

        pub fn store(&self, value: u64, _: Ordering) {
            self.with(|v| *v = value)
        }

        pub fn fetch_add(&self, add: u64, _: Ordering) -> u64 {
            self.with(|v| {
                let old = *v;
                *v = old.wrapping_add(add);
                old
            })
        }
    }
}
