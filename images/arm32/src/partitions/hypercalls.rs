//! The hypercalls a partition may make: `hvc #0` with an SMCCC function ID in r0, arguments in
//! r1..r4, the result in r0 — the A-profile hypervisors' ABI (docs/hypervisor.md) as it applies
//! to a partition: PSCI VERSION, FEATURES, SYSTEM_OFF (status in r1), SYSTEM_RESET, the other
//! PSCI IDs NOT_SUPPORTED (-1); wells VERSION, console write (a buffer wholly inside the
//! partition's RAM, at most 4096 bytes), yield (returns 0: a partition keeps its window), port
//! send and receive (-2: a partition has no ports yet). Any other ID is a fault.

use super::executive::{Devices, Exit};
use alloc::format;

const PSCI_VERSION: u32 = 0x8400_0000;
const PSCI_SYSTEM_OFF: u32 = 0x8400_0008;
const PSCI_SYSTEM_RESET: u32 = 0x8400_0009;
const PSCI_FEATURES: u32 = 0x8400_000A;
const WELLS_VERSION: u32 = 0x8600_0000;
const WELLS_CONSOLE_WRITE: u32 = 0x8600_0001;
const WELLS_YIELD: u32 = 0x8600_0002;
const WELLS_PORT_SEND: u32 = 0x8600_0003;
const WELLS_PORT_RECEIVE: u32 = 0x8600_0004;
/// PSCI's function IDs.
const PSCI_FIRST: u32 = 0x8400_0000;
const PSCI_LAST: u32 = 0x8400_001F;

/// Longest console write.
const MAX_TRANSFER: u32 = 4096;
/// `wells_core::Error` codes returned as negative numbers.
const INVALID_ARGUMENT: i32 = -1;
const NOT_SUPPORTED: i32 = -1;
const NO_SUCH_PORT: i32 = -2;

/// Handles hypercall `args[0]` (r0..r4) of partition `name` whose RAM is `ram`.
pub(crate) fn call(name: &str, ram: (usize, usize), devices: &mut Devices, args: [u32; 5]) -> Exit {
    // The SMC64 form (0xC...) means the same call as the SMC32 one.
    let function = args[0] & !(1 << 30);
    match function {
        PSCI_VERSION => Exit::Result(0x1_0000),
        PSCI_FEATURES => Exit::Result(match args[1] & !(1 << 30) {
            PSCI_VERSION | PSCI_FEATURES | PSCI_SYSTEM_OFF | PSCI_SYSTEM_RESET => 0,
            _ => NOT_SUPPORTED as u32,
        }),
        PSCI_SYSTEM_OFF => Exit::PowerOff(args[1]),
        PSCI_SYSTEM_RESET => Exit::Reset,
        WELLS_VERSION => Exit::Result(1),
        WELLS_YIELD => Exit::Result(0),
        WELLS_CONSOLE_WRITE => Exit::Result(console_write(name, ram, &mut devices.uart, args[1], args[2]) as u32),
        WELLS_PORT_SEND | WELLS_PORT_RECEIVE => Exit::Result(NO_SUCH_PORT as u32),
        // The PSCI calls not offered (those above take precedence).
        psci if (PSCI_FIRST..=PSCI_LAST).contains(&psci) => Exit::Result(NOT_SUPPORTED as u32),
        _ => Exit::Fault(format!("undefined hypercall {:#x}", args[0])),
    }
}

/// Prints `len` bytes at `address`, which must lie wholly inside the partition's RAM.
fn console_write(name: &str, (start, end): (usize, usize), uart: &mut super::vuart::VirtualUart, address: u32, len: u32) -> i32 {
    let (address, len) = (address as usize, len as usize);
    let inside = len <= MAX_TRANSFER as usize && address >= start && address.checked_add(len).is_some_and(|last| last <= end);
    if !inside {
        return INVALID_ARGUMENT;
    }
    for offset in 0..len {
        // SAFETY: the byte lies inside the partition's RAM (checked above), which the hypervisor
        // reaches through its enabled region or the background map; a volatile read, since the
        // guest may change it in its next window.
        let byte = unsafe { core::ptr::read_volatile((address + offset) as *const u8) };
        uart.put(name, byte);
    }
    len as i32
}
