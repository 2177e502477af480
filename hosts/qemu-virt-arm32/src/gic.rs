//! GICv2 of QEMU virt: distributor at 0x0800_0000, CPU interface at 0x0801_0000. A copy of
//! the arm64 board's driver (same controller, same addresses).

use core::ptr::{read_volatile, write_volatile};

const DISTRIBUTOR: usize = 0x0800_0000;
const CPU_INTERFACE: usize = 0x0801_0000;

const GICD_CTLR: usize = 0x000;
const GICD_ISENABLER: usize = 0x100;
const GICD_IPRIORITYR: usize = 0x400;
const GICC_CTLR: usize = 0x00;
const GICC_PMR: usize = 0x04;
const GICC_IAR: usize = 0x0c;
const GICC_EOIR: usize = 0x10;

/// Interrupt IDs from 1020 up are special (1023: spurious).
pub const SPURIOUS: u32 = 1023;
/// PL1 virtual timer private interrupt.
pub const VIRTUAL_TIMER: u32 = 27;

fn write(base: usize, offset: usize, value: u32) {
    // SAFETY: GIC MMIO registers of this board.
    unsafe { write_volatile((base + offset) as *mut u32, value) }
}

fn read(base: usize, offset: usize) -> u32 {
    // SAFETY: GIC MMIO registers of this board.
    unsafe { read_volatile((base + offset) as *const u32) }
}

/// In SVC mode: enable the distributor and CPU interface and the virtual timer's interrupt.
pub fn init() {
    write(DISTRIBUTOR, GICD_CTLR, 1);
    let priority_word = GICD_IPRIORITYR + (VIRTUAL_TIMER as usize & !3);
    let shift = (VIRTUAL_TIMER % 4) * 8;
    let priorities = read(DISTRIBUTOR, priority_word) & !(0xff << shift);
    write(DISTRIBUTOR, priority_word, priorities | (0x80 << shift));
    write(DISTRIBUTOR, GICD_ISENABLER, 1 << VIRTUAL_TIMER);
    write(CPU_INTERFACE, GICC_PMR, 0xff);
    write(CPU_INTERFACE, GICC_CTLR, 1);
}

/// Takes the highest pending interrupt (its ID, or `SPURIOUS`).
pub fn acknowledge() -> u32 {
    read(CPU_INTERFACE, GICC_IAR) & 0x3ff
}

/// Ends an interrupt taken with `acknowledge`.
pub fn end(id: u32) {
    write(CPU_INTERFACE, GICC_EOIR, id);
}
