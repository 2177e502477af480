//! GICv2 (distributor and CPU interface), at the addresses the board gives: the interrupt
//! controller of QEMU `virt` for both the arm64 and the Cortex-A15 boards.

use crate::Platform;
use core::ptr::{read_volatile, write_volatile};
use wells_core::telemetry::EventKind;

const GICD_CTLR: usize = 0x000;
const GICD_IGROUPR: usize = 0x080;
const GICD_ISENABLER: usize = 0x100;
const GICD_ISACTIVER: usize = 0x300;
const GICD_ICACTIVER: usize = 0x380;
const GICD_IPRIORITYR: usize = 0x400;
const GICD_SGIR: usize = 0xf00;
const GICC_CTLR: usize = 0x00;
const GICC_PMR: usize = 0x04;
const GICC_IAR: usize = 0x0c;
const GICC_EOIR: usize = 0x10;
const GICC_DIR: usize = 0x1000;
/// GICC_CTLR.EOImode: GICC_EOIR only drops the priority; GICC_DIR deactivates.
const GICC_CTLR_EOI_MODE: u32 = 1 << 9;

/// Interrupt IDs from 1020 up are special (1023: spurious).
pub const SPURIOUS: u32 = 1023;
/// The SGI one CPU sends another for the kernel they share (`Host::kick_cpu`): a switch is due
/// there ([`wells_core::Kernel::reschedule_interrupt`]).
pub const RESCHEDULE_SGI: u32 = 2;

/// One GICv2.
pub struct Gic {
    distributor: usize,
    cpu_interface: usize,
}

impl Gic {
    /// The GICv2 whose distributor and CPU interface are at these addresses.
    ///
    /// # Safety
    /// Both must be the MMIO blocks of a GICv2 (mapped as device memory wherever it is used).
    pub const unsafe fn new(distributor: usize, cpu_interface: usize) -> Gic {
        Gic { distributor, cpu_interface }
    }

    fn write(&self, base: usize, offset: usize, value: u32) {
        // SAFETY: GIC MMIO registers of this board (the contract of `Gic::new`).
        unsafe { write_volatile((base + offset) as *mut u32, value) }
    }

    fn read(&self, base: usize, offset: usize) -> u32 {
        // SAFETY: GIC MMIO registers of this board (the contract of `Gic::new`).
        unsafe { read_volatile((base + offset) as *const u32) }
    }

    /// In the secure world (arm64 at EL3, QEMU `secure=on`): make every private interrupt
    /// non-secure (group 1) and enable both groups, so the non-secure kernel receives its timer.
    pub fn hand_interrupts_to_non_secure(&self) {
        self.write(self.distributor, GICD_IGROUPR, u32::MAX);
        self.write(self.distributor, GICD_CTLR, 0b11);
        self.write(self.cpu_interface, GICC_CTLR, 0b11);
        self.write(self.cpu_interface, GICC_PMR, 0xff);
    }

    /// In the secure world: which groups this CPU interface signals (a monitor stops group 1,
    /// the normal world's, while the secure world runs); with `fiq`, group 0 comes as FIQ.
    pub fn signal_groups(&self, group0: bool, group1: bool, fiq: bool) {
        let value = group0 as u32 | (group1 as u32) << 1 | (fiq as u32) << 3;
        self.write(self.cpu_interface, GICC_CTLR, value);
    }

    /// Enables the distributor, the CPU interface and interrupt `id` (the timer's).
    pub fn init(&self, id: u32) {
        self.write(self.distributor, GICD_CTLR, 1);
        let priority_word = GICD_IPRIORITYR + (id as usize & !3);
        let shift = (id % 4) * 8;
        let priorities = self.read(self.distributor, priority_word) & !(0xff << shift);
        self.write(self.distributor, priority_word, priorities | (0x80 << shift));
        self.write(self.distributor, GICD_ISENABLER, 1 << id);
        self.write(self.cpu_interface, GICC_PMR, 0xff);
        self.write(self.cpu_interface, GICC_CTLR, 1);
    }

    /// On a secondary CPU, once the boot CPU ran `init`: this CPU's banked part of the
    /// distributor (its private interrupt `id`, the timer's, and the software-generated
    /// interrupts 0..15) and its CPU interface.
    pub fn init_cpu_interface(&self, id: u32) {
        for private in (0..16).chain([id]) {
            let priority_word = GICD_IPRIORITYR + (private as usize & !3);
            let shift = (private % 4) * 8;
            let priorities = self.read(self.distributor, priority_word) & !(0xff << shift);
            self.write(self.distributor, priority_word, priorities | (0x80 << shift));
        }
        self.write(self.distributor, GICD_ISENABLER, 0xffff | 1 << id);
        self.write(self.cpu_interface, GICC_PMR, 0xff);
        self.write(self.cpu_interface, GICC_CTLR, 1);
    }

    /// Sends software-generated interrupt `sgi` (0..15) to the CPUs of `targets` (bit n: CPU
    /// interface n).
    pub fn send_sgi(&self, sgi: u32, targets: u8) {
        self.write(self.distributor, GICD_SGIR, (targets as u32) << 16 | (sgi & 0xf));
    }

    /// For a hypervisor: as `init` for its own interrupt `own` and the guests' timer
    /// `forwarded`, with split priority drop and deactivation (GICC_CTLR.EOImode), so an
    /// interrupt handed to a guest can stay active until the hypervisor deactivates it.
    pub fn init_hypervisor(&self, own: u32, forwarded: u32) {
        self.init(own);
        self.forward_with_split_eoi(forwarded);
    }

    /// This CPU's private interrupt `forwarded` enabled (the guests' timer), and its CPU
    /// interface in split priority drop and deactivation.
    fn forward_with_split_eoi(&self, forwarded: u32) {
        let priority_word = GICD_IPRIORITYR + (forwarded as usize & !3);
        let shift = (forwarded % 4) * 8;
        let priorities = self.read(self.distributor, priority_word) & !(0xff << shift);
        self.write(self.distributor, priority_word, priorities | (0x80 << shift));
        self.write(self.distributor, GICD_ISENABLER, 1 << forwarded);
        self.write(self.cpu_interface, GICC_CTLR, 1 | GICC_CTLR_EOI_MODE);
    }

    /// For a hypervisor on a secondary CPU, once the boot CPU ran `init_hypervisor`: this CPU's
    /// banked part (the SGIs, its own interrupt `own`, the guests' timer `forwarded`) and its
    /// CPU interface, with the same split priority drop and deactivation.
    pub fn init_hypervisor_cpu(&self, own: u32, forwarded: u32) {
        self.init_cpu_interface(own);
        self.forward_with_split_eoi(forwarded);
    }

    /// Deactivates an interrupt whose priority `end` dropped (EOImode set by `init_hypervisor`).
    pub fn deactivate(&self, id: u32) {
        self.write(self.cpu_interface, GICC_DIR, id);
    }

    /// True when interrupt `id` (a private one: this CPU's bank) is active.
    pub fn is_active(&self, id: u32) -> bool {
        self.read(self.distributor, GICD_ISACTIVER + (id as usize / 32) * 4) & (1 << (id % 32)) != 0
    }

    /// Makes interrupt `id` active or not (a private one: this CPU's bank): how a hypervisor
    /// hands an interrupt it forwarded to a guest from one vCPU to the next.
    pub fn set_active(&self, id: u32, active: bool) {
        let register = if active { GICD_ISACTIVER } else { GICD_ICACTIVER };
        self.write(self.distributor, register + (id as usize / 32) * 4, 1 << (id % 32));
    }

    /// In the secure world: makes private interrupt `id` a secure (group 0) one of the highest
    /// priority and enables it (the secure world's timer, which a monitor takes as FIQ).
    pub fn make_secure(&self, id: u32) {
        let group = GICD_IGROUPR + (id as usize / 32) * 4;
        self.write(self.distributor, group, self.read(self.distributor, group) & !(1 << (id % 32)));
        let priority_word = GICD_IPRIORITYR + (id as usize & !3);
        let shift = (id % 4) * 8;
        self.write(self.distributor, priority_word, self.read(self.distributor, priority_word) & !(0xff << shift));
        self.write(self.distributor, GICD_ISENABLER + (id as usize / 32) * 4, 1 << (id % 32));
    }

    /// Takes the highest pending interrupt (its ID, or `SPURIOUS`).
    pub fn acknowledge(&self) -> u32 {
        self.read(self.cpu_interface, GICC_IAR) & 0x3ff
    }

    /// Takes the highest pending interrupt: the whole IAR value, which for an SGI also names
    /// the sending CPU (ending an SGI from another CPU must name it too: `end`, `deactivate`).
    pub fn acknowledge_full(&self) -> u32 {
        self.read(self.cpu_interface, GICC_IAR)
    }

    /// Ends an interrupt taken with `acknowledge`.
    pub fn end(&self, id: u32) {
        self.write(self.cpu_interface, GICC_EOIR, id);
    }

    /// An IRQ of board `P`: when it is the timer's (`timer`), the one-shot timer is silenced
    /// (the kernel arms the next deadline itself) and the kernel's timer interrupt runs.
    pub fn interrupt<P: Platform>(&self, timer: u32) {
        self.interrupt_id::<P>(timer);
    }

    /// [`Gic::interrupt`], answering the interrupt's ID (`SPURIOUS` when there was none).
    pub fn interrupt_id<P: Platform>(&self, timer: u32) -> u32 {
        // An SGI's IAR value also names the CPU that sent it, and its EOIR write must too.
        let acknowledged = self.read(self.cpu_interface, GICC_IAR);
        let id = acknowledged & 0x3ff;
        if id >= 1020 {
            return SPURIOUS;
        }
        // Trace points (`cargo xtask trace`): compiled out unless the image traces.
        let traced = crate::trace::on();
        if let (true, Some(kernel)) = (traced, P::slot().get()) {
            kernel.trace(EventKind::IrqEnter, id as u64);
        }
        if id == timer {
            P::timer_cancel();
        }
        self.end(acknowledged);
        if id == timer {
            if let Some(kernel) = P::slot().get() {
                kernel.timer_interrupt();
            }
        } else if id == RESCHEDULE_SGI {
            if let Some(kernel) = P::slot().get() {
                kernel.reschedule_interrupt();
            }
        }
        if let (true, Some(kernel)) = (traced, P::slot().get()) {
            kernel.trace(EventKind::IrqExit, id as u64);
        }
        id
    }
}
