//! The distributor a VM sees, emulated: its page is not mapped by stage 2, so every access
//! exits and lands here. Each of the VM's CPUs (vCPUs) has its own 32 private interrupts (SGIs
//! and PPIs: their enable bits and priorities are banked per vCPU, as on a GICv2), and the VM
//! has 32 shared ones (32..63) that no device raises yet — there so that a driver probing a
//! device with an interrupt (Linux's PL011 at SPI 1) can map and enable it; it may enable,
//! disable and prioritise them, configure and target them, and read what a GICv2 distributor
//! reports. An SGI a guest sends (GICD_SGIR) names the vCPUs it goes to ([`Sgi`]): the caller
//! injects it into each. Pending and active state lives in the list registers, not here.

/// Register offsets (GICv2 architecture specification).
const CTLR: usize = 0x000;
const TYPER: usize = 0x004;
const IIDR: usize = 0x008;
const ISENABLER0: usize = 0x100;
const ISENABLER1: usize = 0x104;
const ICENABLER0: usize = 0x180;
const ICENABLER1: usize = 0x184;
const IPRIORITYR: usize = 0x400;
/// Last byte of the priorities of the 64 interrupts.
const IPRIORITYR_END: usize = 0x43f;
const ITARGETSR: usize = 0x800;
/// The targets of the shared interrupts (the private ones read as CPU 0's).
const ITARGETSR_SHARED: usize = 0x820;
const ITARGETSR_END: usize = 0x83f;
const ICFGR0: usize = 0xc00;
const ICFGR1: usize = 0xc04;
const ICFGR3: usize = 0xc0c;
const SGIR: usize = 0xf00;
const PIDR2: usize = 0xfe8;
/// TYPER.ITLinesNumber: 32 × (1 + 1) interrupts; no security extension. CPUNumber (bits 7:5)
/// is the VM's vCPUs less one.
const TYPER_64_INTERRUPTS: u32 = 1;
/// The most vCPUs a GICv2 can address (CPU interfaces 0..7).
pub const MAX_VCPUS: usize = 8;
/// Interrupts the distributor has.
const INTERRUPTS: usize = 64;
/// What the distributor reports as its implementer: Arm, GICv2.
const IIDR_ARM: u32 = 0x0200_043b;
/// SGIs are always enabled (their enable bits read as one and ignore writes, as on QEMU's and
/// Arm's GICv2s).
const SGIS_ENABLED: u32 = 0xffff;
/// SGIs are edge-triggered, always.
const ICFGR0_SGIS: u32 = 0xaaaa_aaaa;

/// One VM's distributor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualDistributor {
    enabled_globally: bool,
    /// The VM's vCPUs (1..=[`MAX_VCPUS`]).
    vcpus: usize,
    /// Bit n: private interrupt n is enabled, per vCPU.
    private_enabled: [u32; MAX_VCPUS],
    /// Priorities of the private interrupts, per vCPU.
    private_priority: [[u8; 32]; MAX_VCPUS],
    /// Bit n: shared interrupt 32 + n is enabled.
    shared_enabled: u32,
    shared_priority: [u8; INTERRUPTS - 32],
    /// ICFGR1..3: edge or level for the PPIs and the shared interrupts.
    config: [u32; 3],
    /// ITARGETSR of the shared interrupts (one byte each).
    targets: [u8; INTERRUPTS - 32],
}

/// An SGI a guest sent through GICD_SGIR: its ID and the vCPUs it goes to (bit n: vCPU n; only
/// vCPUs the VM has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sgi {
    pub id: u32,
    pub targets: u8,
}


impl VirtualDistributor {
    /// The size of its register page.
    pub const SIZE: usize = 0x1000;

    /// The distributor of a VM with `vcpus` vCPUs (1..=[`MAX_VCPUS`]; more are taken as the
    /// most).
    pub fn new(vcpus: usize) -> Self {
        VirtualDistributor {
            enabled_globally: false,
            vcpus: vcpus.clamp(1, MAX_VCPUS),
            private_enabled: [SGIS_ENABLED; MAX_VCPUS],
            private_priority: [[0; 32]; MAX_VCPUS],
            shared_enabled: 0,
            shared_priority: [0; INTERRUPTS - 32],
            config: [0; 3],
            targets: [0; INTERRUPTS - 32],
        }
    }

    /// True when interrupt `id` may be signalled to vCPU `cpu`'s guest now.
    pub fn forwards(&self, cpu: usize, id: u32) -> bool {
        let enabled = match id {
            0..32 => self.private_enabled.get(cpu).is_some_and(|bits| bits & (1 << id) != 0),
            32..64 => self.shared_enabled & (1 << (id - 32)) != 0,
            _ => false,
        };
        self.enabled_globally && enabled
    }

    /// The priority vCPU `cpu`'s guest gave interrupt `id`.
    pub fn priority(&self, cpu: usize, id: u32) -> u8 {
        let id = id as usize;
        match id {
            0..32 => self.private_priority.get(cpu).map_or(0xff, |priorities| priorities[id]),
            _ => self.shared_priority.get(id - 32).copied().unwrap_or(0xff),
        }
    }

    /// A read of `size` bytes at `offset` by vCPU `cpu` (below the VM's vCPU count).
    pub fn read(&self, cpu: usize, offset: usize, size: u8) -> u32 {
        let cpu = cpu.min(self.vcpus - 1);
        let four = |bytes: &[u8], first: usize| u32::from_le_bytes([bytes[first], bytes[first + 1], bytes[first + 2], bytes[first + 3]]);
        // The priority bytes of interrupt `first` and the three after it: the private ones are
        // the reading vCPU's.
        let priorities = |first: usize| if first < 32 { four(&self.private_priority[cpu], first) } else { four(&self.shared_priority, first - 32) };
        match (offset, size) {
            (IPRIORITYR..=IPRIORITYR_END, 1) => (priorities((offset - IPRIORITYR) & !3) >> (8 * (offset & 3))) & 0xff,
            (IPRIORITYR..=IPRIORITYR_END, 4) => priorities((offset - IPRIORITYR) & !3),
            // A private interrupt targets the vCPU that reads.
            (ITARGETSR..ITARGETSR_SHARED, 1) => 1 << cpu,
            (ITARGETSR..ITARGETSR_SHARED, 4) => 0x0101_0101 << cpu,
            (ITARGETSR_SHARED..=ITARGETSR_END, 1) => self.targets[offset - ITARGETSR_SHARED] as u32,
            (ITARGETSR_SHARED..=ITARGETSR_END, 4) => four(&self.targets, (offset - ITARGETSR_SHARED) & !3),
            (_, 4) => match offset {
                CTLR => self.enabled_globally as u32,
                TYPER => TYPER_64_INTERRUPTS | ((self.vcpus as u32 - 1) << 5),
                IIDR => IIDR_ARM,
                ISENABLER0 | ICENABLER0 => self.private_enabled[cpu],
                ISENABLER1 | ICENABLER1 => self.shared_enabled,
                ICFGR0 => ICFGR0_SGIS,
                ICFGR1..=ICFGR3 => self.config[(offset - ICFGR1) / 4],
                PIDR2 => 0x2b,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// Sets interrupt `id`'s priority (a private one's for vCPU `cpu`).
    fn set_priority(&mut self, cpu: usize, id: usize, priority: u8) {
        match id {
            0..32 => self.private_priority[cpu][id] = priority,
            _ => self.shared_priority[id - 32] = priority,
        }
    }

    /// A write of `size` bytes at `offset` by vCPU `cpu` (below the VM's vCPU count). Registers
    /// of state the list registers hold (pending, active) ignore writes, as read-only registers
    /// do. Returns the SGI a write to GICD_SGIR sends: target list filter 0 to the vCPUs in the
    /// list, 1 to every vCPU but the writer, 2 to the writer; `None` when it reaches no vCPU.
    pub fn write(&mut self, cpu: usize, offset: usize, size: u8, value: u32) -> Option<Sgi> {
        let cpu = cpu.min(self.vcpus - 1);
        match (offset, size) {
            (IPRIORITYR..=IPRIORITYR_END, 1) => self.set_priority(cpu, offset - IPRIORITYR, value as u8),
            (IPRIORITYR..=IPRIORITYR_END, 4) => {
                let first = (offset - IPRIORITYR) & !3;
                for (n, byte) in value.to_le_bytes().into_iter().enumerate() {
                    self.set_priority(cpu, first + n, byte);
                }
            }
            (ITARGETSR_SHARED..=ITARGETSR_END, 1) => self.targets[offset - ITARGETSR_SHARED] = value as u8,
            (ITARGETSR_SHARED..=ITARGETSR_END, 4) => {
                let first = (offset - ITARGETSR_SHARED) & !3;
                self.targets[first..first + 4].copy_from_slice(&value.to_le_bytes());
            }
            (CTLR, 4) => self.enabled_globally = value & 1 != 0,
            (ISENABLER0, 4) => self.private_enabled[cpu] |= value,
            (ICENABLER0, 4) => self.private_enabled[cpu] &= !value | SGIS_ENABLED,
            (ISENABLER1, 4) => self.shared_enabled |= value,
            (ICENABLER1, 4) => self.shared_enabled &= !value,
            (ICFGR1..=ICFGR3, 4) => self.config[(offset - ICFGR1) / 4] = value,
            (SGIR, 4) => {
                let every = ((1u32 << self.vcpus) - 1) as u8;
                let targets = match (value >> 24) & 3 {
                    0 => ((value >> 16) & 0xff) as u8 & every,
                    1 => every & !(1 << cpu),
                    2 => 1 << cpu,
                    _ => 0,
                };
                if targets != 0 {
                    return Some(Sgi { id: value & 0xf, targets });
                }
            }
            _ => {}
        }
        None
    }
}
