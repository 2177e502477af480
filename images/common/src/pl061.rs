//! PL061 GPIO at the address the board gives: pins driven as outputs, polled (no interrupts).

use core::ptr::write_volatile;

/// Direction register: a set bit makes the pin an output.
const DIRECTION: usize = 0x400;

/// One PL061.
pub struct Pl061 {
    base: usize,
}

impl Pl061 {
    /// The PL061 whose registers are at `base`.
    ///
    /// # Safety
    /// `base` must be the MMIO block of a PL061, reachable wherever it is used.
    pub const unsafe fn new(base: usize) -> Pl061 {
        Pl061 { base }
    }

    /// Makes `pin` (0..=7) an output and drives it high. The data register is written through
    /// its address mask (address bits 9:2 select the pins a write changes): only `pin` changes.
    pub fn set_high(&self, pin: u32) {
        let bit = 1u32 << (pin & 7);
        // SAFETY: the PL061 MMIO block of this board (the contract of `Pl061::new`). The
        // direction write keeps the pins already outputs (read-modify-write of a register only
        // this driver writes); the data write changes only `pin`.
        unsafe {
            let direction = core::ptr::read_volatile((self.base + DIRECTION) as *const u32);
            write_volatile((self.base + DIRECTION) as *mut u32, direction | bit);
            write_volatile((self.base + ((bit as usize) << 2)) as *mut u32, bit);
        }
    }
}
