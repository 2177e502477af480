//! What the application gets on the R52 hypervisor: the entry mode, the console, the heap (the
//! guest loader's working memory) and the HYP timer's interrupt.

pub(crate) use crate::board::UART;
use crate::facts;
use core::fmt::Write;
use wells_core::arch::arm::{self, mode};
use wells_core::arch::armv8r::el2;
use wells_core::mem::KernelHeap;

/// The HYP physical timer's private interrupt (CNTHP): the end of each window.
pub(crate) const HYP_TIMER: u32 = facts::TIMER_EL2_PHYSICAL_INTID;
/// The EL1 virtual timer's: the running partition's timer, injected into it.
pub(crate) const GUEST_TIMER: u32 = facts::TIMER_EL1_VIRTUAL_INTID;

fn irq_save() -> bool {
    // The hypervisor runs with interrupts masked throughout (they reach it only from guests).
    false
}

fn irq_restore(_were_enabled: bool) {}

/// The heap: the linker script's region after the boot stack.
#[global_allocator]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(irq_save, irq_restore);

/// The console as a `fmt::Write`.
pub struct Out;

impl Write for Out {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        UART.write(text.as_bytes());
        Ok(())
    }
}

/// What the application gets: the mode QEMU entered in.
pub struct Board {
    pub entry_mode: u32,
}

impl Board {
    pub(crate) fn new(entry_mode: u32) -> Board {
        Board { entry_mode }
    }

    /// Says where we started and what EL2 set up, read back from the CPU.
    pub(crate) fn announce(&self) {
        let hcr = el2::hcr();
        let all = |bits: u32, yes: &'static str, no: &'static str| if hcr & bits == bits { yes } else { no };
        let _ = writeln!(
            Out,
            "wells partitioning hypervisor on mps3-an536 (Cortex-R52): entered in {} mode\nwells: running in {} mode: EL2 MPU second stage {}, IRQ/FIQ/aborts {} EL2, WFI/WFE {} (HCR={hcr:#x}), {} EL2 MPU regions, enabled {:#06x}",
            mode::name(self.entry_mode),
            mode::name(arm::current_mode()),
            all(1, "on", "OFF"),
            all(0b111 << 3, "to", "NOT to"),
            all(0b11 << 13, "trapped", "NOT trapped"),
            el2::mpu::regions(),
            el2::mpu::enabled(),
        );
    }
}
