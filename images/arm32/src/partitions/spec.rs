//! A partition as the system description (or a test) gives it.

pub use wells_board_common::on_fault::OnFault;

/// One partition.
#[derive(Debug, Clone)]
pub struct PartitionSpec {
    /// Prefixes its console lines and its reports.
    pub name: &'static str,
    /// An ELF executable: position-independent (ET_DYN, R_ARM_RELATIVE relocations only),
    /// copied into RAM the hypervisor places and relocated there; or linked at a fixed address
    /// (ET_EXEC), whose RAM then starts where its first segment does.
    pub image: &'static [u8],
    /// Bytes of RAM (a multiple of 64): the image, its data, stacks and heap.
    pub ram_size: usize,
    /// Put in r0 at entry (r1 holds how many times it was restarted, r2 and r3 where its RAM
    /// starts and ends).
    pub arg: u32,
    /// Its window in each major frame, in microseconds.
    pub window_us: u64,
    pub on_fault: OnFault,
    /// It sees the emulated UART; without it the UART's page faults like any address it was not
    /// given.
    pub uart: bool,
    /// It sees the emulated GIC distributor and redistributor (and so its virtual timer's
    /// interrupt); without it their pages fault.
    pub gic: bool,
}
