//! Per-CPU slots of the kernel's state: the parts of the scheduler and the clock that say what
//! one CPU is doing (its current thread, its idle context, its armed timer). They live beside
//! the shared parts, behind the same lock; whoever takes the lock first says which CPU it runs
//! on ([`PerCpu::set_cpu`]) and then reaches its own slot with [`PerCpu::here`], kept at a
//! fixed place.
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

/// The slot of per-CPU state outside the kernel's lock (an array of [`MAX_CPUS`]) that the CPU
/// numbered `cpu_id` (`Arch::cpu_id`) uses: the constant 0 with one CPU, so nothing asks the
/// CPU its number; masked, so no number can index past the array.
#[inline(always)]
pub fn slot_of(cpu_id: impl FnOnce() -> usize) -> usize {
    if MAX_CPUS == 1 { 0 } else { cpu_id() & (MAX_CPUS - 1) }
}

/// Places for the slots of the CPUs other than the lock holder's (see [`PerCpu`]).
const OTHER_SLOTS: usize = if MAX_CPUS == 1 { 0 } else { MAX_CPUS };

/// One `T` per CPU, and which of them the lock holder's is. The lock holder's slot is kept at
/// one fixed place (`here`), so that reaching it, dozens of times a switch, takes no index:
/// when another CPU takes the lock, the slots trade places ([`PerCpu::set_cpu`]). So nothing
/// may keep the address of a slot past the lock: what a CPU writes after it lets the lock go
/// (a context's stack pointer) lives elsewhere.
pub struct PerCpu<T> {
    /// The lock holder's slot.
    here: T,
    /// The other CPUs' slots by CPU number; the lock holder's place holds a slot of no meaning.
    /// None with one CPU: its slot is always `here`.
    others: [T; OTHER_SLOTS],
    /// The CPU holding the kernel's lock now (always 0 with one CPU), and its bit (`1 << at`),
    /// which the CPU masks are tested with.
    at: usize,
    bit: u32,
}

impl<T> PerCpu<T> {
    /// Every CPU's slot made by `make`.
    pub fn new(make: impl Fn() -> T) -> Self {
        PerCpu { here: make(), others: core::array::from_fn(|_| make()), at: 0, bit: 1 }
    }

    /// The CPU whose slot [`PerCpu::here`] is.
    #[inline(always)]
    pub fn cpu(&self) -> usize {
        self.at & (MAX_CPUS - 1)
    }

    /// The bit of the CPU whose slot [`PerCpu::here`] is, in masks of CPUs (bit n: CPU n).
    #[inline(always)]
    pub fn bit(&self) -> u32 {
        self.bit
    }

    /// True when the lock holder's slot is `cpu`'s already.
    #[inline(always)]
    pub fn is_at(&self, cpu: usize) -> bool {
        cpu == self.at
    }

    /// The lock holder runs on `cpu`: its slot comes to the fixed place (nothing to do when it
    /// is there already, as always with one CPU). False (nothing changed) for a number past
    /// [`MAX_CPUS`]: such a CPU must not run this kernel.
    #[inline(always)]
    pub fn set_cpu(&mut self, cpu: usize) -> bool {
        cpu == self.at || self.move_to(cpu)
    }

    /// [`PerCpu::set_cpu`] when the lock changed CPUs: the slot at the fixed place goes back to
    /// its CPU's place, and `cpu`'s comes from its own.
    #[inline(never)]
    fn move_to(&mut self, cpu: usize) -> bool {
        if cpu >= MAX_CPUS {
            return false;
        }
        let at = self.cpu();
        core::mem::swap(&mut self.here, &mut self.others[at]);
        core::mem::swap(&mut self.here, &mut self.others[cpu]);
        self.at = cpu;
        self.bit = 1 << cpu;
        true
    }

    /// The lock holder's slot.
    #[inline(always)]
    pub fn here(&self) -> &T {
        &self.here
    }

    /// The lock holder's slot, to change.
    #[inline(always)]
    pub fn here_mut(&mut self) -> &mut T {
        &mut self.here
    }

    /// CPU `cpu`'s slot, to read (another CPU's, under the lock).
    #[inline]
    pub fn get(&self, cpu: usize) -> Option<&T> {
        if cpu == self.at {
            return Some(&self.here);
        }
        self.others.get(cpu)
    }

    /// CPU `cpu`'s slot (another CPU's, read or changed under the lock).
    #[inline]
    pub fn of_mut(&mut self, cpu: usize) -> Option<&mut T> {
        if cpu == self.at {
            return Some(&mut self.here);
        }
        self.others.get_mut(cpu)
    }

    /// Every slot with its CPU number.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        (0..MAX_CPUS).filter_map(|cpu| Some((cpu, self.get(cpu)?)))
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
        assert!(slots.is_at(MAX_CPUS - 1));
        assert_eq!(slots.bit(), 1 << (MAX_CPUS - 1));
        *slots.here_mut() += 1;
        // A CPU past the count is refused and changes nothing.
        assert!(!slots.set_cpu(MAX_CPUS));
        assert_eq!(slots.cpu(), MAX_CPUS - 1);
        let total: u32 = slots.iter().map(|(_, v)| *v).sum();
        assert_eq!(total, 6);
        assert_eq!(*slots.of_mut(0).unwrap(), if MAX_CPUS == 1 { 6 } else { 5 });
        assert!(slots.of_mut(MAX_CPUS).is_none());
    }

    #[test]
    fn each_cpu_finds_its_own_slot_wherever_the_lock_was() {
        let mut slots = PerCpu::new(|| 0usize);
        for round in 0..3 {
            for cpu in (0..MAX_CPUS).rev() {
                assert!(slots.set_cpu(cpu));
                assert_eq!(slots.cpu(), cpu);
                assert_eq!(*slots.here(), round * (cpu + 1));
                *slots.here_mut() += cpu + 1;
            }
        }
        assert_eq!(slots.iter().count(), MAX_CPUS);
        for (cpu, value) in slots.iter() {
            assert_eq!(*value, 3 * (cpu + 1));
            assert_eq!(slots.get(cpu), Some(value));
        }
        // A slot changed by another CPU is what its own CPU finds once it holds the lock.
        let last = MAX_CPUS - 1;
        assert!(slots.set_cpu(0));
        *slots.of_mut(last).unwrap() = 100;
        assert!(slots.set_cpu(last));
        assert_eq!(*slots.here(), 100);
        assert_eq!(slots.get(MAX_CPUS), None);
    }
}
