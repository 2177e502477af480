//! PSCI calls a kernel at PL1 makes to the level above it (QEMU's built-in firmware, or a wells
//! hypervisor): through `hvc #0`, the conduit QEMU `virt` uses when it has no EL3 firmware and
//! entered the kernel in SVC; entered in HYP (`virtualization=on`), QEMU answers `smc #0`
//! instead ([`Conduit`]).

use crate::arch::monitor::psci::SYSTEM_OFF;
use core::arch::asm;

/// The calls and answers a kernel here uses, in PSCI's one table (`arch::monitor::psci`), in
/// their SMC32 form.
pub use crate::arch::monitor::psci::{AFFINITY_INFO, AFFINITY_OFF, AFFINITY_ON, ALREADY_ON, CPU_ON, INVALID_PARAMETERS, SUCCESS};

/// An SMCCC call with no arguments; returns r0. QEMU's own PSCI answers a function it does not
/// know with NOT_SUPPORTED (-1), as SMCCC asks.
pub fn call(function: u32) -> i32 {
    Conduit::Hvc.call3(function, 0, 0, 0) as i32
}

/// How PSCI calls reach the firmware: QEMU `virt` answers HVC when it boots the kernel in SVC,
/// SMC when it boots it in HYP (HVC then belongs to HYP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conduit {
    Hvc,
    Smc,
}

impl Conduit {
    /// The conduit of QEMU's own PSCI for a kernel QEMU entered in CPSR mode `entry_mode`.
    pub fn for_entry_mode(entry_mode: u32) -> Option<Conduit> {
        match entry_mode {
            super::mode::SVC => Some(Conduit::Hvc),
            super::mode::HYP => Some(Conduit::Smc),
            _ => None,
        }
    }

    /// An SMCCC call with up to three arguments; returns r0, sign-extended (PSCI's answers are
    /// signed 32-bit values).
    pub fn call3(self, function: u32, a1: u32, a2: u32, a3: u32) -> i64 {
        let result: i32;
        // SAFETY: the firmware or hypervisor answers in r0 and may change r1..r3 (SMCCC 1.0); it
        // touches no memory of ours (CPU_ON starts another CPU at the entry point given).
        unsafe {
            match self {
                Conduit::Hvc => asm!(
                    ".arch_extension virt",
                    "hvc #0",
                    inlateout("r0") function => result,
                    inlateout("r1") a1 => _,
                    inlateout("r2") a2 => _,
                    inlateout("r3") a3 => _,
                    options(nostack)
                ),
                Conduit::Smc => asm!(
                    ".arch_extension sec",
                    "smc #0",
                    inlateout("r0") function => result,
                    inlateout("r1") a1 => _,
                    inlateout("r2") a2 => _,
                    inlateout("r3") a3 => _,
                    options(nostack)
                ),
            }
        };
        result as i64
    }

    /// CPU_ON: starts the CPU with affinity `mpidr` at physical address `entry`, with `context`
    /// in r0, in the mode the firmware entered the kernel in, MMU off.
    pub fn cpu_on(self, mpidr: u32, entry: usize, context: usize) -> i64 {
        self.call3(CPU_ON, mpidr, entry as u32, context as u32)
    }

    /// AFFINITY_INFO at affinity level 0: whether the CPU `mpidr` is on, off or on its way
    /// (INVALID_PARAMETERS when there is no such CPU).
    pub fn affinity_info(self, mpidr: u32) -> i64 {
        self.call3(AFFINITY_INFO, mpidr, 0, 0)
    }
}

/// Powers the machine (or the VM) off. `status` goes in r1: plain PSCI ignores it, a wells
/// hypervisor reports it as the guest's result (`docs/hypervisor.md`).
pub fn system_off(status: i32) -> ! {
    // SAFETY: SYSTEM_OFF does not return; the firmware or hypervisor reads only r0 and r1.
    unsafe { asm!(".arch_extension virt", "hvc #0", in("r0") SYSTEM_OFF, in("r1") status as u32, options(nostack)) };
    loop {
        super::wait_for_interrupt();
    }
}
