//! Where things are in the EL2 MPU and in RAM. The hypervisor's own regions (its image, stacks
//! and heap; the UART; the GIC) are EL2's alone and always enabled; each partition has one region
//! of its own (its RAM, which EL1 may read, write and execute), enabled only while it runs.
//! Partitions' RAM follows the hypervisor's in DDR, each 1 MiB aligned.

use crate::facts;
use wells_core::arch::armv8r::el2::mpu;
use wells_core::arch::armv8r::mpu::Region;

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
/// Where the first partition's RAM starts: 16 MiB into DDR, past the hypervisor's image and heap.
const PARTITION_RAM: usize = facts::RAM_BASE + 0x0100_0000;
/// Alignment of a partition's RAM.
const PARTITION_ALIGN: usize = 0x10_0000;

fn device(base: usize, size: usize) -> Region {
    Region { start: base, end: base + size, user: false, writable: true, executable: false, device: true }
}

/// Writes the hypervisor's regions and enables exactly them.
pub(crate) fn write_hypervisor_regions() {
    let (start, end) = (&raw const __image_start as usize, &raw const __heap_end as usize);
    let own = Region { start, end: end.next_multiple_of(64), user: false, writable: true, executable: true, device: false };
    let regions = [
        own,
        device(facts::CONSOLE_BASE, facts::CONSOLE_SIZE),
        device(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_DISTRIBUTOR_SIZE),
        device(facts::GIC_REDISTRIBUTOR_BASE, facts::GIC_REDISTRIBUTOR_SIZE),
    ];
    assert!(end <= PARTITION_RAM, "the hypervisor's image and heap overlap the partitions' RAM");
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

/// The RAM of partitions with RAM sizes `sizes` (in order): `[start, end)` each.
pub(crate) fn partition_ram(sizes: impl Iterator<Item = usize>) -> alloc::vec::Vec<(usize, usize)> {
    let mut next = PARTITION_RAM;
    sizes
        .map(|size| {
            let start = next;
            next = (start + size).next_multiple_of(PARTITION_ALIGN);
            (start, start + size)
        })
        .collect()
}

/// Writes partition `index`'s region (left disabled until it runs).
pub(crate) fn write_partition_region(index: usize, (start, end): (usize, usize)) {
    let region = Region { start, end, user: true, writable: true, executable: true, device: false };
    mpu::write(region_number(index), &region).expect("partition RAM is 1 MiB aligned");
}
