//! The monitor's board: the secure console and GPIO, the GIC, the SMC service, and the normal
//! world's entry, all from `boards/qemu-virt.toml` (`[secure]`, `[ram]`).

use crate::facts;
use core::fmt::{self, Write};
use wells_board_common::gic::Gic;
use wells_board_common::monitor::{Power, SmcService};
use wells_board_common::pl011::Pl011;
use wells_board_common::pl061::Pl061;
use wells_core::arch::aarch64::{self, el3};
use wells_core::arch::monitor::Machine;
use wells_core::mem::KernelHeap;

// SAFETY: the board's secure PL011 (UART1); the monitor's MMU is off, so it is device memory.
pub(crate) static CONSOLE: Pl011 = unsafe { Pl011::new(facts::SECURE_CONSOLE_BASE) };
// SAFETY: the board's secure PL061, reached with the MMU off.
static GPIO: Pl061 = unsafe { Pl061::new(facts::SECURE_GPIO_BASE) };
// SAFETY: the board's GICv2 distributor and CPU interface, reached with the MMU off.
pub(crate) static GIC: Gic = unsafe { Gic::new(facts::GIC_DISTRIBUTOR_BASE, facts::GIC_CPU_BASE) };

/// The SMC service: one CPU until the device tree says how many (`boot.rs`).
pub(crate) static SMC: SmcService = SmcService::new(Machine::booted(1));

fn no_interrupts() -> bool {
    false
}

fn nothing_to_restore(_: bool) {}

/// The monitor allocates nothing: the heap is never given memory, so an allocation fails (and
/// panics) instead of taking secure memory nobody planned for.
#[global_allocator]
static HEAP: KernelHeap = KernelHeap::new(no_interrupts, nothing_to_restore);

/// The secure console as a `fmt::Write`; every line it prints starts with `monitor: `.
pub struct MonitorConsole;

impl Write for MonitorConsole {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        CONSOLE.write(text.as_bytes());
        Ok(())
    }
}

/// Prints one line on the secure console, `monitor: ` first.
pub fn say(args: fmt::Arguments<'_>) {
    let _ = writeln!(MonitorConsole, "monitor: {args}");
}

/// The secure GPIO's power pins (QEMU turns a high pin into a shutdown or a reset request).
pub(crate) struct SecureGpio;

impl Power for SecureGpio {
    fn off(&self) -> ! {
        say(format_args!("PSCI SYSTEM_OFF after {} SMCs: powering off (secure GPIO pin {})", SMC.answered(), facts::SECURE_GPIO_POWER_OFF_PIN));
        GPIO.set_high(facts::SECURE_GPIO_POWER_OFF_PIN);
        loop {
            aarch64::wait_for_interrupt();
        }
    }

    fn standby(&self) {
        aarch64::wait_for_interrupt();
    }

    fn wake(&self, cpu: u32) {
        el3::wake(cpu as usize);
    }

    fn park(&self) -> ! {
        el3::park()
    }

    fn reset(&self) -> ! {
        say(format_args!("PSCI SYSTEM_RESET after {} SMCs: resetting (secure GPIO pin {})", SMC.answered(), facts::SECURE_GPIO_RESET_PIN));
        GPIO.set_high(facts::SECURE_GPIO_RESET_PIN);
        loop {
            aarch64::wait_for_interrupt();
        }
    }
}

/// What the application gets: the established monitor.
pub struct Board {
    _private: (),
}

impl Board {
    pub(crate) fn new() -> Board {
        Board { _private: () }
    }

    /// Says what was established, read back from the CPU.
    pub(crate) fn announce(&self) {
        say(format_args!("wells on {}: entered at EL{}, established EL3 (monitor)", facts::BOARD, aarch64::current_el()));
        say(format_args!(
            "SCR_EL3 = {:#x} (NS, HCE, RW; SMC enabled), CPTR_EL3 = MDCR_EL3 = 0, running from secure flash {:#x}, data in secure SRAM {:#x}",
            el3::scr(),
            facts::SECURE_FLASH_BASE,
            facts::SECURE_SRAM_BASE
        ));
    }

    /// Starts the worlds: the secure one first when the monitor's flash carries its image
    /// (copied to the secure DRAM here), then the normal one where QEMU loaded it.
    pub fn start_worlds(&self) -> ! {
        match secure_world_image() {
            Some(size) => {
                say(format_args!(
                    "secure world: {size} bytes from flash {:#x} copied to secure DRAM {:#x}; entering it at S-EL1",
                    facts::SECURE_FLASH_BASE + facts::SECURE_WORLD_PACKAGE + PACKAGE_HEADER,
                    facts::SECURE_DRAM_BASE
                ));
                super::worlds::start_secure_world(facts::SECURE_DRAM_BASE as u64)
            }
            None => {
                say(format_args!("no secure world in flash at {:#x}", facts::SECURE_FLASH_BASE + facts::SECURE_WORLD_PACKAGE));
                super::worlds::start_normal_world()
            }
        }
    }
}

/// The top of the monitor's stack (the linker script's `__boot_stack_top`): every entry of a
/// world starts the monitor's stack there again.
pub(crate) fn monitor_stack() -> usize {
    extern "C" {
        static __boot_stack_top: u8;
    }
    // Only the symbol's address is taken.
    core::ptr::addr_of!(__boot_stack_top) as usize
}

/// Enters the normal world where QEMU loaded it (the board's `[secure]` `normal-world-image`) at
/// non-secure EL2, x0 = the device tree QEMU put at the bottom of RAM, security state `scr`.
pub(crate) fn enter_normal_world(scr: u64) -> ! {
    say(format_args!("entering the normal world at EL2, {:#x} (device tree at {:#x})", facts::SECURE_NORMAL_WORLD_IMAGE, facts::RAM_BASE));
    el3::enter_normal_world(facts::SECURE_NORMAL_WORLD_IMAGE as u64, facts::RAM_BASE as u64, scr, monitor_stack())
}

/// "WELLSSW1": the header of a secure world packed into the flash (`cargo xtask`,
/// `xtask/src/monitor.rs`): this magic, then the image's size, then the image.
const PACKAGE_MAGIC: u64 = u64::from_le_bytes(*b"WELLSSW1");
const PACKAGE_HEADER: usize = 16;

/// When the flash carries a secure world: copies it to the start of the secure DRAM and gives
/// its size.
fn secure_world_image() -> Option<usize> {
    let package = facts::SECURE_FLASH_BASE + facts::SECURE_WORLD_PACKAGE;
    // SAFETY: the secure flash is readable at EL3 with the MMU off; the package lies inside it
    // (the board's `secure-world-package`), past the monitor's own image.
    let (magic, size) = unsafe { (core::ptr::read_volatile(package as *const u64), core::ptr::read_volatile((package + 8) as *const u64) as usize) };
    if magic != PACKAGE_MAGIC || size == 0 || size > facts::SECURE_DRAM_SIZE {
        return None;
    }
    let (from, to) = ((package + PACKAGE_HEADER) as *const u64, facts::SECURE_DRAM_BASE as *mut u64);
    for word in 0..size.div_ceil(8) {
        // SAFETY: inside the flash package and the secure DRAM (size checked against it); both
        // 8-byte aligned, as the device memory the MMU-off monitor sees requires.
        unsafe { core::ptr::write_volatile(to.add(word), core::ptr::read_volatile(from.add(word))) };
    }
    Some(size)
}
