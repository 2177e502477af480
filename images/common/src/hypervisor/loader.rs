//! Loads a guest image into a VM's RAM: an ELF file, whose every loadable segment must lie
//! inside the RAM the VM was given, at the guest-physical address it was linked for; or a Linux
//! bundle (`linux`), placed with a device tree the hypervisor writes for it.

use super::linux;
use super::VmPlatform;
use alloc::format;
use alloc::string::String;
use object::{Object, ObjectSegment};

/// Where a loaded guest starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub pc: u64,
    /// For a Linux kernel: its device tree's address, its x0 (and x1 must be 0).
    pub device_tree: Option<u64>,
}

/// Copies `image` into `ram`, the VM's RAM at guest address `ram_base` (the caller has zeroed
/// it), for a VM of `vcpus` vCPUs; returns where it starts.
pub fn load<P: VmPlatform>(image: &[u8], ram: &mut [u8], ram_base: usize, vcpus: u8) -> Result<Loaded, String> {
    if linux::is_bundle(image) {
        let devices = linux::GuestDevices { uart: P::UART_IPA, gic_distributor: P::GICD_IPA, gic_cpu: P::GICC_IPA, gic_cpu_size: P::GICV_SIZE, vcpus };
        let entry = linux::load(image, ram, ram_base, &devices)?;
        return Ok(Loaded { pc: entry.pc, device_tree: Some(entry.device_tree) });
    }
    load_elf(image, ram, ram_base).map(|pc| Loaded { pc, device_tree: None })
}

/// Copies the segments of the ELF file `image` into `ram`; returns the entry point. (A loader
/// that knows its image is no Linux bundle, such as the R52 partitions', calls this directly.)
pub fn load_elf(image: &[u8], ram: &mut [u8], ram_base: usize) -> Result<u64, String> {
    let file = object::File::parse(image).map_err(|e| format!("not an ELF image: {e}"))?;
    let ram_end = ram_base + ram.len();
    let bytes = ram;
    for segment in file.segments() {
        let start = segment.address() as usize;
        let size = segment.size() as usize;
        if size == 0 {
            continue;
        }
        let end = start.checked_add(size).ok_or("a segment wraps around")?;
        if start < ram_base || end > ram_end {
            return Err(format!("segment {start:#x}..{end:#x} is outside its RAM {ram_base:#x}..{ram_end:#x}"));
        }
        let data = segment.data().map_err(|e| format!("segment data: {e}"))?;
        let offset = start - ram_base;
        bytes[offset..offset + data.len().min(size)].copy_from_slice(&data[..data.len().min(size)]);
    }
    let entry = file.entry();
    if (entry as usize) < ram_base || entry as usize >= ram_end {
        return Err(format!("entry point {entry:#x} is outside its RAM"));
    }
    Ok(entry)
}
