//! What the hypervisor does with a guest's exits, once the board's trap glue has decoded them:
//! MMIO to the emulated UART, WFI, and faults (stop or restart the VM). Hypercalls are in
//! `hypercalls`.

use super::console::VirtualUart;
use super::lifecycle;
use super::{GuestRegisters, Resume, VmPlatform};

pub use super::hypercalls::hypercall;
pub use super::lifecycle::{fault, power_off, restart, shut_down, stop};

/// A load or store the CPU described well enough to emulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmioAccess {
    /// Bytes (1, 2, 4, 8).
    pub size: u8,
    /// The general register it loads or stores (31: the zero register).
    pub register: u8,
    pub write: bool,
}

/// A guest access at `ipa` that stage 2 did not map. The emulated UART page is served;
/// anything else is a fault of the VM (`syndrome` says what the CPU reported).
pub fn mmio<P: VmPlatform>(ipa: u64, access: Option<MmioAccess>, regs: &mut dyn GuestRegisters, syndrome: core::fmt::Arguments<'_>) -> Resume {
    let page = ipa as usize & !0xfff;
    let offset = ipa as usize & 0xfff;
    let emulated = page == P::UART_IPA && access.is_some_and(|a| a.size == 1 || a.size == 4);
    match access {
        Some(access) if emulated => {
            let register = access.register as usize;
            if access.write {
                let value = if register == 31 { 0 } else { regs.get(register) as u32 };
                if let (Some(byte), Ok(domain)) = (VirtualUart::written_byte(offset, value), P::kernel().current_domain()) {
                    P::vms().console_write(domain, &[byte]);
                }
            } else if register != 31 {
                let value = P::vms().with_current(|vm| vm.console.read(offset)).unwrap_or(0);
                regs.set(register, value as u64);
            }
            Resume::Next
        }
        _ if page == P::UART_IPA => lifecycle::fault::<P>(format_args!("UART access at {ipa:#x} that cannot be emulated ({syndrome})")),
        _ => lifecycle::fault::<P>(format_args!("stage-2 data abort at IPA {ipa:#x}, outside its grants ({syndrome})")),
    }
}

/// The guest waits for an interrupt. VMs get no virtual interrupts yet, so the vCPU gives the
/// CPU to the others and the guest goes on.
pub fn wait_for_interrupt<P: VmPlatform>() -> Resume {
    let _ = P::kernel().yield_now();
    Resume::Next
}
