//! Booting an unmodified arm64 Linux kernel in a VM (docs/linux-guest.md): its guest image is a
//! bundle `cargo xtask` writes (`xtask/src/linux_guest.rs`: the magic `wellsLNX`, the Image's
//! and the initramfs's lengths as 64-bit little-endian numbers, the Image, the initramfs). The
//! hypervisor places the Image at the start of the VM's RAM (plus the Image header's text
//! offset), the initramfs at the top, and a device tree it writes between them describing what
//! the VM sees: its RAM, its vCPUs with PSCI over HVC, the GICv2 (emulated distributor, GICV as
//! the CPU interface), the generic timer, the PL011 with its clock, and the command line. The
//! kernel is entered at EL1 with x0 = the device tree's address and x1..x3 = 0 (the arm64 boot
//! protocol).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use vm_fdt::FdtWriter;

/// The bundle's first eight bytes.
pub const MAGIC: &[u8; 8] = b"wellsLNX";
/// The arm64 Image header's magic ("ARM\x64" at offset 56).
const IMAGE_MAGIC: u32 = 0x644d_5241;
/// Device tree and initramfs are placed on 2 MiB boundaries (the device tree must not exceed
/// 2 MiB, the boot protocol says).
const ALIGN: usize = 2 << 20;

/// True when `image` is a Linux bundle rather than an ELF file.
pub fn is_bundle(image: &[u8]) -> bool {
    image.starts_with(MAGIC)
}

/// Where the VM's devices are, as the device tree describes them (guest-physical addresses).
#[derive(Debug, Clone, Copy)]
pub struct GuestDevices {
    pub uart: usize,
    pub gic_distributor: usize,
    pub gic_cpu: usize,
    pub gic_cpu_size: usize,
    /// The VM's vCPUs: the device tree names a CPU for each (MPIDR affinity 0 = its number).
    pub vcpus: u8,
}

/// What the kernel is entered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub pc: u64,
    /// The device tree's guest-physical address (x0).
    pub device_tree: u64,
}

fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(offset..offset + 8)?.try_into().ok()?))
}

fn align_up(value: usize) -> usize {
    value.div_ceil(ALIGN) * ALIGN
}

/// Loads the bundle `image` into `ram` (the VM's zeroed RAM at guest address `ram_base`) and
/// writes the device tree; refuses a bundle that is cut short, an Image without its header, or
/// a RAM too small for the Image, the device tree and the initramfs.
pub fn load(image: &[u8], ram: &mut [u8], ram_base: usize, devices: &GuestDevices) -> Result<Entry, String> {
    if !cfg!(target_arch = "aarch64") {
        return Err("a Linux guest needs the arm64 hypervisor (it is booted with the arm64 boot protocol)".to_string());
    }
    let (kernel_len, initrd_len) = match (u64_at(image, 8), u64_at(image, 16)) {
        (Some(k), Some(i)) => (k as usize, i as usize),
        _ => return Err("the Linux bundle's header is cut short".to_string()),
    };
    let kernel = image.get(24..24usize.saturating_add(kernel_len)).ok_or("the Linux bundle is shorter than its Image")?;
    let initrd = image.get(24 + kernel_len..).filter(|rest| rest.len() == initrd_len).ok_or("the Linux bundle's initramfs has the wrong length")?;
    if kernel.len() < 64 || u32::from_le_bytes([kernel[56], kernel[57], kernel[58], kernel[59]]) != IMAGE_MAGIC {
        return Err("not an arm64 Linux Image (no ARM\\x64 magic in its header)".to_string());
    }
    let text_offset = u64_at(kernel, 8).unwrap_or(0) as usize;
    // The Image's footprint with its BSS (0 in kernels before 3.17: then assume the file and
    // 16 MiB more).
    let image_size = match u64_at(kernel, 16).unwrap_or(0) as usize {
        0 => kernel.len() + (16 << 20),
        size => size.max(kernel.len()),
    };
    let device_tree_at = align_up(text_offset + image_size);
    let initrd_at = ram.len().checked_sub(align_up(initrd_len)).filter(|&at| at >= device_tree_at + ALIGN).ok_or_else(|| {
        format!("{} MiB of RAM is too small for a {} MiB Linux Image and a {} KiB initramfs", ram.len() >> 20, image_size >> 20, initrd_len >> 10)
    })?;
    let (initrd_start, initrd_end) = ((ram_base + initrd_at) as u64, (ram_base + initrd_at + initrd_len) as u64);
    let tree = device_tree(ram_base, ram.len(), initrd_start, initrd_end, devices).map_err(|e| format!("device tree: {e:?}"))?;
    if tree.len() > ALIGN {
        return Err("the device tree exceeds 2 MiB".to_string());
    }
    ram[text_offset..text_offset + kernel.len()].copy_from_slice(kernel);
    ram[device_tree_at..device_tree_at + tree.len()].copy_from_slice(&tree);
    ram[initrd_at..initrd_at + initrd_len].copy_from_slice(initrd);
    Ok(Entry { pc: (ram_base + text_offset) as u64, device_tree: (ram_base + device_tree_at) as u64 })
}

/// Phandles of the interrupt controller and the UART's clock.
const GIC_PHANDLE: u32 = 1;
const CLOCK_PHANDLE: u32 = 2;
/// Interrupt specifier types: shared (SPI) and private (PPI) interrupts.
const SPI: u32 = 0;
const PPI: u32 = 1;
/// PPI flags: level-high, delivered to CPU 0 (the CPU mask in bits 15:8).
const PPI_LEVEL_CPU0: u32 = 0x104;
/// SPI flags: level-high.
const LEVEL_HIGH: u32 = 4;
/// The PL011's interrupt: SPI 1 (INTID 33), as on QEMU virt. The VM's distributor has it; no
/// one raises it (the console is written by polling).
const UART_SPI: u32 = 1;
/// The PPIs of the generic timer (INTID - 16): secure and non-secure physical, virtual,
/// hypervisor. The guest uses the virtual one (INTID 27), which wells forwards.
const TIMER_PPIS: [u32; 4] = [13, 14, 11, 10];
/// The UART's reference clock, as QEMU virt describes it.
const UART_CLOCK_HZ: u32 = 24_000_000;

/// The VM's device tree (flattened).
fn device_tree(ram_base: usize, ram_size: usize, initrd_start: u64, initrd_end: u64, devices: &GuestDevices) -> Result<alloc::vec::Vec<u8>, vm_fdt::Error> {
    let mut fdt = FdtWriter::new()?;
    let root = fdt.begin_node("")?;
    fdt.property_string("compatible", "linux,dummy-virt")?;
    fdt.property_string("model", "wells arm64 VM")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_u32("interrupt-parent", GIC_PHANDLE)?;

    let chosen = fdt.begin_node("chosen")?;
    // The console is the PL011, and the early console before its driver runs; a panic powers
    // off at once (no reboot loop).
    fdt.property_string("bootargs", &format!("console=ttyAMA0 earlycon=pl011,{:#x} panic=-1", devices.uart))?;
    fdt.property_string("stdout-path", &format!("/pl011@{:x}", devices.uart))?;
    fdt.property_u64("linux,initrd-start", initrd_start)?;
    fdt.property_u64("linux,initrd-end", initrd_end)?;
    // Entropy, as firmware gives it: a seed for the kernel's random numbers and one for its
    // placement (KASLR, and with it the page-table isolation Linux then turns on).
    if let (Some(random), Some(placement)) = (super::entropy::guest_seed(), super::entropy::guest_seed()) {
        fdt.property("rng-seed", &random)?;
        fdt.property("kaslr-seed", &placement[..8])?;
    }
    fdt.end_node(chosen)?;

    let memory = fdt.begin_node(&format!("memory@{ram_base:x}"))?;
    fdt.property_string("device_type", "memory")?;
    fdt.property_array_u64("reg", &[ram_base as u64, ram_size as u64])?;
    fdt.end_node(memory)?;

    let cpus = fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    for number in 0..devices.vcpus.max(1) as u32 {
        let cpu = fdt.begin_node(&format!("cpu@{number}"))?;
        fdt.property_string("device_type", "cpu")?;
        fdt.property_string("compatible", "arm,armv8")?;
        fdt.property_u32("reg", number)?;
        fdt.property_string("enable-method", "psci")?;
        fdt.end_node(cpu)?;
    }
    fdt.end_node(cpus)?;

    let psci = fdt.begin_node("psci")?;
    fdt.property_string_list("compatible", vec!["arm,psci-1.0".to_string(), "arm,psci-0.2".to_string()])?;
    fdt.property_string("method", "hvc")?;
    fdt.end_node(psci)?;

    let gic = fdt.begin_node(&format!("intc@{:x}", devices.gic_distributor))?;
    fdt.property_string("compatible", "arm,cortex-a15-gic")?;
    fdt.property_u32("#interrupt-cells", 3)?;
    fdt.property_null("interrupt-controller")?;
    fdt.property_array_u64("reg", &[devices.gic_distributor as u64, 0x1000, devices.gic_cpu as u64, devices.gic_cpu_size as u64])?;
    fdt.property_phandle(GIC_PHANDLE)?;
    fdt.end_node(gic)?;

    let timer = fdt.begin_node("timer")?;
    fdt.property_string("compatible", "arm,armv8-timer")?;
    let cells: alloc::vec::Vec<u32> = TIMER_PPIS.iter().flat_map(|&ppi| [PPI, ppi, PPI_LEVEL_CPU0]).collect();
    fdt.property_array_u32("interrupts", &cells)?;
    fdt.end_node(timer)?;

    let clock = fdt.begin_node("apb-pclk")?;
    fdt.property_string("compatible", "fixed-clock")?;
    fdt.property_u32("#clock-cells", 0)?;
    fdt.property_u32("clock-frequency", UART_CLOCK_HZ)?;
    fdt.property_string("clock-output-names", "clk24mhz")?;
    fdt.property_phandle(CLOCK_PHANDLE)?;
    fdt.end_node(clock)?;

    let uart = fdt.begin_node(&format!("pl011@{:x}", devices.uart))?;
    fdt.property_string_list("compatible", vec!["arm,pl011".to_string(), "arm,primecell".to_string()])?;
    fdt.property_array_u64("reg", &[devices.uart as u64, 0x1000])?;
    fdt.property_array_u32("interrupts", &[SPI, UART_SPI, LEVEL_HIGH])?;
    fdt.property_array_u32("clocks", &[CLOCK_PHANDLE, CLOCK_PHANDLE])?;
    fdt.property_string_list("clock-names", vec!["uartclk".to_string(), "apb_pclk".to_string()])?;
    fdt.end_node(uart)?;

    fdt.end_node(root)?;
    fdt.finish()
}
