//! A partition as the system description (or a test) gives it.

use wells_core::arch::armv7m::partition::PartitionEntry;

pub use wells_board_common::on_fault::OnFault;

/// One partition.
#[derive(Debug, Clone, Copy)]
pub struct PartitionSpec {
    /// Prefixes its console lines and its reports.
    pub name: &'static str,
    /// Its program: one of [`super::programs`], run unprivileged from the shared code in flash.
    pub image: PartitionEntry,
    /// Bytes of RAM: a power of two from 1 KiB to one slot (16 KiB), one MPU region.
    pub ram_size: usize,
    /// Put in r0 at entry (r1 holds how many times it was restarted, r2 and r3 where its RAM
    /// starts and ends).
    pub arg: u32,
    /// Its window in each major frame, in microseconds.
    pub window_us: u64,
    pub on_fault: OnFault,
    /// It may write to the console (a call refused with BAD_ARGUMENT otherwise).
    pub uart: bool,
    /// It gets virtual interrupts (its virtual timer); without, TICK_PERIOD is refused.
    pub gic: bool,
}
