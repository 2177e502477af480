//! Per-CPU slots of the kernel's state: the parts of the scheduler and the clock that say what
//! one CPU is doing (its current thread, its idle context, its armed timer). They live beside
//! the shared parts, behind the same lock; whoever takes the lock first says which CPU it runs
//! on ([`PerCpu::set_cpu`]) and then reaches its own slot with [`PerCpu::here`].
//!
//! How many CPUs one kernel runs on is fixed when wells-core is built: one, or [`MAX_CPUS`]
//! with feature `smp`. With one, the slot index is the constant 0: an array of one is the
//! plain field it replaced, and nothing asks the CPU its number.

/// Most CPUs one kernel runs threads on (CPU numbers `0..MAX_CPUS`, as `Arch::cpu_id` gives
/// them). Eight: what a GICv2 addresses.
pub const MAX_CPUS: usize = if cfg!(feature = "smp") { 8 } else { 1 };
/// Every CPU of the kernel as a CPU set (bit n: CPU n): a thread's set until it is given one.
pub const ALL_CPUS: u32 = ((1u64 << MAX_CPUS) - 1) as u32;
// A power of two: a slot index masked with `MAX_CPUS - 1` needs no bounds check.
const _: () = assert!(MAX_CPUS.is_power_of_two() && MAX_CPUS <= 32);

/// One `T` per CPU, and which of them the lock holder's is.
pub struct PerCpu<T> {
    slots: [T; MAX_CPUS],
    /// The CPU holding the kernel's lock now (always 0 with one CPU).
    at: usize,
}

impl<T> PerCpu<T> {
    /// Every CPU's slot made by `make`.
    pub fn new(make: impl Fn() -> T) -> Self {
        PerCpu { slots: core::array::from_fn(|_| make()), at: 0 }
    }

    /// The CPU whose slot [`PerCpu::here`] is.
    #[inline(always)]
    pub fn cpu(&self) -> usize {
        self.at & (MAX_CPUS - 1)
    }

    /// The lock holder runs on `cpu`. False (nothing changed) for a number past [`MAX_CPUS`]:
    /// such a CPU must not run this kernel.
    #[inline(always)]
    pub fn set_cpu(&mut self, cpu: usize) -> bool {
        if MAX_CPUS > 1 && cpu < MAX_CPUS {
            self.at = cpu;
        }
        cpu < MAX_CPUS
    }

    /// The lock holder's slot.
    #[inline(always)]
    pub fn here(&self) -> &T {
        &self.slots[self.cpu()]
    }

    /// The lock holder's slot, to change.
    #[inline(always)]
    pub fn here_mut(&mut self) -> &mut T {
        let cpu = self.cpu();
        &mut self.slots[cpu]
    }

    /// CPU `cpu`'s slot, to read (another CPU's, under the lock).
    #[inline]
    pub fn get(&self, cpu: usize) -> Option<&T> {
        self.slots.get(cpu)
    }

    /// CPU `cpu`'s slot (another CPU's, read or changed under the lock).
    #[inline]
    pub fn of_mut(&mut self, cpu: usize) -> Option<&mut T> {
        self.slots.get_mut(cpu)
    }

    /// Every slot with its CPU number.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.slots.iter().enumerate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_cpu_set() {
        let mut slots = PerCpu::new(|| 0u32);
        *slots.here_mut() = 5;
        assert_eq!(*slots.here(), 5);
        assert!(slots.set_cpu(MAX_CPUS - 1));
        assert_eq!(slots.cpu(), MAX_CPUS - 1);
        *slots.here_mut() += 1;
        // A CPU past the count is refused and changes nothing.
        assert!(!slots.set_cpu(MAX_CPUS));
        assert_eq!(slots.cpu(), MAX_CPUS - 1);
        let total: u32 = slots.iter().map(|(_, v)| *v).sum();
        assert_eq!(total, 6);
        assert_eq!(*slots.of_mut(0).unwrap(), if MAX_CPUS == 1 { 6 } else { 5 });
        assert!(slots.of_mut(MAX_CPUS).is_none());
    }
}
