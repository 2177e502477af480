//! The distributor a VM sees, emulated: its page is not mapped by stage 2, so every access
//! exits and lands here. A VM has the 32 private interrupts of one CPU (SGIs and PPIs) and no
//! shared ones; it may enable, disable and prioritise them, and read what a GICv2 distributor
//! reports. Pending and active state lives in the list registers, not here.

/// Register offsets (GICv2 architecture specification).
const CTLR: usize = 0x000;
const TYPER: usize = 0x004;
const IIDR: usize = 0x008;
const ISENABLER0: usize = 0x100;
const ICENABLER0: usize = 0x180;
const IPRIORITYR: usize = 0x400;
const ITARGETSR: usize = 0x800;
const ICFGR0: usize = 0xc00;
const ICFGR1: usize = 0xc04;
const PIDR2: usize = 0xfe8;
/// What the distributor reports as its implementer: Arm, GICv2.
const IIDR_ARM: u32 = 0x0200_043b;
/// SGIs are edge-triggered, always.
const ICFGR0_SGIS: u32 = 0xaaaa_aaaa;

/// One VM's distributor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[derive(Default)]
pub struct VirtualDistributor {
    enabled_globally: bool,
    /// Bit n: interrupt n is enabled.
    enabled: u32,
    priority: [u8; 32],
    /// ICFGR1: edge or level for the PPIs.
    ppi_config: u32,
}


impl VirtualDistributor {
    /// The size of its register page.
    pub const SIZE: usize = 0x1000;

    /// True when interrupt `id` may be signalled to the guest now.
    pub fn forwards(&self, id: u32) -> bool {
        self.enabled_globally && id < 32 && self.enabled & (1 << id) != 0
    }

    /// The priority the guest gave interrupt `id`.
    pub fn priority(&self, id: u32) -> u8 {
        self.priority.get(id as usize).copied().unwrap_or(0xff)
    }

    /// A read of `size` bytes at `offset`.
    pub fn read(&self, offset: usize, size: u8) -> u32 {
        match (offset, size) {
            (IPRIORITYR..=0x41f, 1) => self.priority[offset - IPRIORITYR] as u32,
            (IPRIORITYR..=0x41f, 4) => {
                let first = (offset - IPRIORITYR) & !3;
                u32::from_le_bytes([self.priority[first], self.priority[first + 1], self.priority[first + 2], self.priority[first + 3]])
            }
            // Every private interrupt targets the VM's one CPU.
            (ITARGETSR..=0x81f, 1) => 1,
            (ITARGETSR..=0x81f, 4) => 0x0101_0101,
            (_, 4) => match offset {
                CTLR => self.enabled_globally as u32,
                TYPER => 0, // 32 interrupts, one CPU, no security extension
                IIDR => IIDR_ARM,
                ISENABLER0 | ICENABLER0 => self.enabled,
                ICFGR0 => ICFGR0_SGIS,
                ICFGR1 => self.ppi_config,
                PIDR2 => 0x2b,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// A write of `size` bytes at `offset`. Registers of shared interrupts and of state the
    /// list registers hold (pending, active) ignore writes, as read-only registers do.
    pub fn write(&mut self, offset: usize, size: u8, value: u32) {
        match (offset, size) {
            (IPRIORITYR..=0x41f, 1) => self.priority[offset - IPRIORITYR] = value as u8,
            (IPRIORITYR..=0x41f, 4) => {
                let first = (offset - IPRIORITYR) & !3;
                self.priority[first..first + 4].copy_from_slice(&value.to_le_bytes());
            }
            (CTLR, 4) => self.enabled_globally = value & 1 != 0,
            (ISENABLER0, 4) => self.enabled |= value,
            (ICENABLER0, 4) => self.enabled &= !value,
            (ICFGR1, 4) => self.ppi_config = value,
            _ => {}
        }
    }
}
