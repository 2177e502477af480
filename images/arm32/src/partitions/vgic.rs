//! The GICv3 distributor and redistributor each partition sees, emulated: the EL2 MPU gives no
//! partition their pages, so each access is a data abort at EL2 answered here. A partition has
//! one CPU and no device interrupts, so the model holds only what concerns its private
//! interrupts (SGIs and PPIs 0..31): which are enabled, in which group, at what priority. The
//! distributor's control register keeps what was written; its type register says "no shared
//! interrupts". The redistributor's WAKER answers "awake" once the guest clears ProcessorSleep.
//! Everything else reads as zero and ignores writes. The CPU interface is the hardware's virtual
//! one (`wells_core::arch::armv8r::el2::vgic`), where [`VirtualGic::deliverable`] decides whether an
//! interrupt is put.

use crate::facts;

const GICD_CTLR: usize = 0x0000;
const GICD_TYPER: usize = 0x0004;
const GICD_IIDR: usize = 0x0008;
const GICD_PIDR2: usize = 0xffe8;
const GICR_CTLR: usize = 0x0000;
const GICR_IIDR: usize = 0x0004;
const GICR_TYPER: usize = 0x0008;
const GICR_WAKER: usize = 0x0014;
const GICR_PIDR2: usize = 0xffe8;
/// The SGI/PPI frame, 64 KiB above the redistributor's RD frame.
const SGI: usize = 0x1_0000;
const GICR_IGROUPR0: usize = SGI + 0x080;
const GICR_ISENABLER0: usize = SGI + 0x100;
const GICR_ICENABLER0: usize = SGI + 0x180;
const GICR_IPRIORITYR: usize = SGI + 0x400;
const GICR_ICFGR0: usize = SGI + 0xc00;

/// Arm as implementer, GICv3 (PIDR2.ArchRev = 3).
const IIDR: u32 = 0x43b;
const PIDR2_GICV3: u32 = 0x3b;
/// GICR_TYPER: the last redistributor (bit 4), processor 0.
const TYPER_LAST: u32 = 1 << 4;
/// GICR_WAKER: ProcessorSleep (bit 1), ChildrenAsleep (bit 2).
const WAKER_SLEEP: u32 = 1 << 1;
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;

/// Which emulated frame an address is in.
pub(crate) enum Frame {
    Distributor(usize),
    Redistributor(usize),
}

/// The frame and offset of `address`, when it is the GIC's.
pub(crate) fn frame(address: usize) -> Option<Frame> {
    let within = |base: usize, size: usize| (base..base + size).contains(&address).then(|| address - base);
    within(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_DISTRIBUTOR_SIZE)
        .map(Frame::Distributor)
        .or_else(|| within(facts::GIC_REDISTRIBUTOR_BASE, facts::GIC_REDISTRIBUTOR_SIZE).map(Frame::Redistributor))
}

/// One partition's view of the GIC.
pub(crate) struct VirtualGic {
    distributor_control: u32,
    redistributor_control: u32,
    waker: u32,
    group1: u32,
    enabled: u32,
    priority: [u8; 32],
    config: [u32; 2],
}

impl VirtualGic {
    /// Out of reset: asleep, everything disabled, group 0, priority 0.
    pub(crate) const fn new() -> VirtualGic {
        VirtualGic {
            distributor_control: 0,
            redistributor_control: 0,
            waker: WAKER_SLEEP | WAKER_CHILDREN_ASLEEP,
            group1: 0,
            enabled: 0,
            priority: [0; 32],
            config: [0, 0],
        }
    }

    /// A load of `size` bytes (1 or 4) at `offset` of `frame`.
    pub(crate) fn read(&self, frame: Frame, size: u8) -> u32 {
        match frame {
            Frame::Distributor(GICD_CTLR) => self.distributor_control,
            Frame::Distributor(GICD_IIDR) | Frame::Redistributor(GICR_IIDR) => IIDR,
            Frame::Distributor(GICD_PIDR2) | Frame::Redistributor(GICR_PIDR2) => PIDR2_GICV3,
            // ITLinesNumber 0: no shared interrupts.
            Frame::Distributor(GICD_TYPER) => 0,
            Frame::Redistributor(GICR_CTLR) => self.redistributor_control,
            Frame::Redistributor(GICR_TYPER) => TYPER_LAST,
            Frame::Redistributor(GICR_WAKER) => self.waker,
            Frame::Redistributor(GICR_IGROUPR0) => self.group1,
            Frame::Redistributor(GICR_ISENABLER0 | GICR_ICENABLER0) => self.enabled,
            Frame::Redistributor(offset) if (GICR_IPRIORITYR..GICR_IPRIORITYR + 32).contains(&offset) => {
                let first = offset - GICR_IPRIORITYR;
                let bytes = if size == 1 { 1 } else { 4.min(32 - first) };
                (0..bytes).fold(0, |word, i| word | (self.priority[first + i] as u32) << (8 * i))
            }
            Frame::Redistributor(offset) if offset == GICR_ICFGR0 || offset == GICR_ICFGR0 + 4 => self.config[(offset - GICR_ICFGR0) / 4],
            _ => 0,
        }
    }

    /// A store of `value` (`size` bytes, 1 or 4) at `offset` of `frame`.
    pub(crate) fn write(&mut self, frame: Frame, size: u8, value: u32) {
        match frame {
            Frame::Distributor(GICD_CTLR) => self.distributor_control = value,
            Frame::Redistributor(GICR_CTLR) => self.redistributor_control = value,
            Frame::Redistributor(GICR_WAKER) => {
                let sleep = value & WAKER_SLEEP;
                self.waker = sleep | if sleep != 0 { WAKER_CHILDREN_ASLEEP } else { 0 };
            }
            Frame::Redistributor(GICR_IGROUPR0) => self.group1 = value,
            Frame::Redistributor(GICR_ISENABLER0) => self.enabled |= value,
            Frame::Redistributor(GICR_ICENABLER0) => self.enabled &= !value,
            Frame::Redistributor(offset) if (GICR_IPRIORITYR..GICR_IPRIORITYR + 32).contains(&offset) => {
                let first = offset - GICR_IPRIORITYR;
                let bytes = if size == 1 { 1 } else { 4.min(32 - first) };
                for i in 0..bytes {
                    self.priority[first + i] = (value >> (8 * i)) as u8;
                }
            }
            Frame::Redistributor(offset) if offset == GICR_ICFGR0 + 4 => self.config[1] = value,
            _ => {}
        }
    }

    /// The priority private interrupt `intid` is given to the guest with, when the guest has
    /// enabled it in group 1 (the only group wells' guests use) and its redistributor is awake.
    pub(crate) fn deliverable(&self, intid: u32) -> Option<u8> {
        let bit = 1u32 << intid;
        let awake = self.waker & WAKER_SLEEP == 0;
        (intid < 32 && awake && self.enabled & bit != 0 && self.group1 & bit != 0).then(|| self.priority[intid as usize])
    }
}
