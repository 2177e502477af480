//! Where things are in the EL2 MPU and in RAM. The hypervisor's own regions (its image, stacks
//! and heap; the UART; the GIC) are EL2's alone and always enabled; each partition has one region
//! of its own (its RAM, which EL1 may read, write and execute), enabled only while it runs.
//! The hypervisor is linked at [`HYPERVISOR_BASE`] (`build.rs`), leaving the board's image
//! address to a partition running an image linked there (the R52 supervisor's); relocatable
//! partitions' RAM follows the hypervisor's, each 1 MiB aligned.

use crate::facts;
use wells_core::arch::armv8r::el2::mpu;
use wells_core::arch::armv8r::mpu::Region;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

extern "C" {
    static __image_start: u8;
    static __heap_end: u8;
}

/// The hypervisor's regions: 0 its image, stack and heap; 1 the UART; 2 the GIC distributor;
/// 3 the redistributor.
const HYPERVISOR_REGIONS: u32 = 4;
/// HPRENR bits of the hypervisor's regions.
pub(crate) const HYPERVISOR_MASK: u32 = (1 << HYPERVISOR_REGIONS) - 1;
/// Partitions the EL2 MPU has regions for (QEMU models 16 EL2 regions).
pub(crate) const MAX_PARTITIONS: usize = 12;
/// Where the hypervisor is linked (`images/arm32/build.rs`): 128 MiB into DDR.
const HYPERVISOR_BASE: usize = facts::RAM_BASE + 0x0800_0000;
/// Where relocatable partitions' RAM starts: 16 MiB past the hypervisor's start, beyond its image
/// and heap.
const PARTITION_RAM: usize = HYPERVISOR_BASE + 0x0100_0000;
/// Alignment of a partition's RAM.
const PARTITION_ALIGN: usize = 0x10_0000;

fn device(base: usize, size: usize) -> Region {
    Region { start: base, end: base + size, user: false, writable: true, executable: false, device: true }
}

/// Writes the hypervisor's regions and enables exactly them.
pub(crate) fn write_hypervisor_regions() {
    let (start, end) = hypervisor_ram();
    let own = Region { start, end: end.next_multiple_of(64), user: false, writable: true, executable: true, device: false };
    let regions = [
        own,
        device(facts::CONSOLE_BASE, facts::CONSOLE_SIZE),
        device(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_DISTRIBUTOR_SIZE),
        device(facts::GIC_REDISTRIBUTOR_BASE, facts::GIC_REDISTRIBUTOR_SIZE),
    ];
    assert!(start == HYPERVISOR_BASE && end <= PARTITION_RAM, "the hypervisor's image and heap are not where the partitions' layout expects");
    assert!(mpu::regions() as usize >= HYPERVISOR_REGIONS as usize + MAX_PARTITIONS, "too few EL2 MPU regions");
    for (number, region) in regions.iter().enumerate() {
        mpu::write(number as u32, region).expect("the hypervisor's regions are 64-byte aligned");
    }
    mpu::set_enabled(HYPERVISOR_MASK);
}

/// The EL2 MPU region of partition `index`.
fn region_number(index: usize) -> u32 {
    HYPERVISOR_REGIONS + index as u32
}

/// HPRENR while partition `index` runs: the hypervisor's regions and its own.
pub(crate) fn running_mask(index: usize) -> u32 {
    HYPERVISOR_MASK | 1 << region_number(index)
}

/// The hypervisor's own RAM: `[start, end)`.
pub(crate) fn hypervisor_ram() -> (usize, usize) {
    (&raw const __image_start as usize, &raw const __heap_end as usize)
}

/// The RAM of partitions, in order: `(fixed base, size)` each, a fixed base for an image linked
/// at its address, `None` for a relocatable one (placed one after another from
/// [`PARTITION_RAM`]). `[start, end)` each, or an error when two overlap or one overlaps the
/// hypervisor.
pub(crate) fn partition_ram(partitions: impl Iterator<Item = (Option<usize>, usize)>) -> Result<Vec<(usize, usize)>, String> {
    let mut next = PARTITION_RAM;
    let rams: Vec<(usize, usize)> = partitions
        .map(|(fixed, size)| {
            let start = fixed.unwrap_or(next);
            if fixed.is_none() {
                next = (start + size).next_multiple_of(PARTITION_ALIGN);
            }
            (start, start + size)
        })
        .collect();
    let overlap = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
    for (i, &ram) in rams.iter().enumerate() {
        if overlap(ram, hypervisor_ram()) || rams[..i].iter().any(|&other| overlap(ram, other)) {
            return Err(format!("the RAM of partition {i} ({:#x}..{:#x}) overlaps the hypervisor's or another partition's", ram.0, ram.1));
        }
        if !ram.0.is_multiple_of(64) || !ram.1.is_multiple_of(64) {
            return Err(format!("the RAM of partition {i} ({:#x}..{:#x}) is not 64-byte aligned", ram.0, ram.1));
        }
    }
    Ok(rams)
}

/// Writes partition `index`'s region (left disabled until it runs).
pub(crate) fn write_partition_region(index: usize, (start, end): (usize, usize)) {
    let region = Region { start, end, user: true, writable: true, executable: true, device: false };
    mpu::write(region_number(index), &region).expect("partition RAM is 64-byte aligned (checked)");
}
