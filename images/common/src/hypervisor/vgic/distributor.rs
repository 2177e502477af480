//! The distributor a VM sees, emulated: its page is not mapped by stage 2, so every access
//! exits and lands here. A VM has the 32 private interrupts of one CPU (SGIs and PPIs) and 32
//! shared ones (32..63) that no device raises yet — there so that a driver probing a device
//! with an interrupt (Linux's PL011 at SPI 1) can map and enable it; it may enable, disable and
//! prioritise them, configure and target them, and read what a GICv2 distributor reports. An
//! SGI the guest sends (GICD_SGIR) can only be for its one CPU: the caller injects it. Pending
//! and active state lives in the list registers, not here.

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
/// TYPER.ITLinesNumber: 32 × (1 + 1) interrupts; one CPU; no security extension.
const TYPER_64_INTERRUPTS: u32 = 1;
/// Interrupts the distributor has.
const INTERRUPTS: usize = 64;
/// What the distributor reports as its implementer: Arm, GICv2.
const IIDR_ARM: u32 = 0x0200_043b;
/// SGIs are edge-triggered, always.
const ICFGR0_SGIS: u32 = 0xaaaa_aaaa;

/// One VM's distributor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualDistributor {
    enabled_globally: bool,
    /// Bit n: interrupt n is enabled.
    enabled: u64,
    priority: [u8; INTERRUPTS],
    /// ICFGR1..3: edge or level for the PPIs and the shared interrupts.
    config: [u32; 3],
    /// ITARGETSR of the shared interrupts (one byte each).
    targets: [u8; INTERRUPTS - 32],
}

impl Default for VirtualDistributor {
    fn default() -> Self {
        VirtualDistributor { enabled_globally: false, enabled: 0, priority: [0; INTERRUPTS], config: [0; 3], targets: [0; INTERRUPTS - 32] }
    }
}


impl VirtualDistributor {
    /// The size of its register page.
    pub const SIZE: usize = 0x1000;

    /// True when interrupt `id` may be signalled to the guest now.
    pub fn forwards(&self, id: u32) -> bool {
        self.enabled_globally && (id as usize) < INTERRUPTS && self.enabled & (1 << id) != 0
    }

    /// The priority the guest gave interrupt `id`.
    pub fn priority(&self, id: u32) -> u8 {
        self.priority.get(id as usize).copied().unwrap_or(0xff)
    }

    /// A read of `size` bytes at `offset`.
    pub fn read(&self, offset: usize, size: u8) -> u32 {
        let four = |bytes: &[u8], first: usize| u32::from_le_bytes([bytes[first], bytes[first + 1], bytes[first + 2], bytes[first + 3]]);
        match (offset, size) {
            (IPRIORITYR..=IPRIORITYR_END, 1) => self.priority[offset - IPRIORITYR] as u32,
            (IPRIORITYR..=IPRIORITYR_END, 4) => four(&self.priority, (offset - IPRIORITYR) & !3),
            // Every private interrupt targets the VM's one CPU.
            (ITARGETSR..ITARGETSR_SHARED, 1) => 1,
            (ITARGETSR..ITARGETSR_SHARED, 4) => 0x0101_0101,
            (ITARGETSR_SHARED..=ITARGETSR_END, 1) => self.targets[offset - ITARGETSR_SHARED] as u32,
            (ITARGETSR_SHARED..=ITARGETSR_END, 4) => four(&self.targets, (offset - ITARGETSR_SHARED) & !3),
            (_, 4) => match offset {
                CTLR => self.enabled_globally as u32,
                TYPER => TYPER_64_INTERRUPTS,
                IIDR => IIDR_ARM,
                ISENABLER0 | ICENABLER0 => self.enabled as u32,
                ISENABLER1 | ICENABLER1 => (self.enabled >> 32) as u32,
                ICFGR0 => ICFGR0_SGIS,
                ICFGR1..=ICFGR3 => self.config[(offset - ICFGR1) / 4],
                PIDR2 => 0x2b,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// A write of `size` bytes at `offset`. Registers of state the list registers hold
    /// (pending, active) ignore writes, as read-only registers do. Returns the SGI a write to
    /// GICD_SGIR sends to the VM's own CPU (target list filter 0 with CPU 0 in the list, or
    /// filter 2, "this CPU"; filter 1, "every other CPU", reaches none).
    pub fn write(&mut self, offset: usize, size: u8, value: u32) -> Option<u32> {
        match (offset, size) {
            (IPRIORITYR..=IPRIORITYR_END, 1) => self.priority[offset - IPRIORITYR] = value as u8,
            (IPRIORITYR..=IPRIORITYR_END, 4) => {
                let first = (offset - IPRIORITYR) & !3;
                self.priority[first..first + 4].copy_from_slice(&value.to_le_bytes());
            }
            (ITARGETSR_SHARED..=ITARGETSR_END, 1) => self.targets[offset - ITARGETSR_SHARED] = value as u8,
            (ITARGETSR_SHARED..=ITARGETSR_END, 4) => {
                let first = (offset - ITARGETSR_SHARED) & !3;
                self.targets[first..first + 4].copy_from_slice(&value.to_le_bytes());
            }
            (CTLR, 4) => self.enabled_globally = value & 1 != 0,
            (ISENABLER0, 4) => self.enabled |= value as u64,
            (ICENABLER0, 4) => self.enabled &= !(value as u64),
            (ISENABLER1, 4) => self.enabled |= (value as u64) << 32,
            (ICENABLER1, 4) => self.enabled &= !((value as u64) << 32),
            (ICFGR1..=ICFGR3, 4) => self.config[(offset - ICFGR1) / 4] = value,
            (SGIR, 4) => {
                let (filter, targets) = ((value >> 24) & 3, (value >> 16) & 0xff);
                if filter == 2 || (filter == 0 && targets & 1 != 0) {
                    return Some(value & 0xf);
                }
            }
            _ => {}
        }
        None
    }
}
