//! PSCI calls a kernel at EL1 makes to the level above it (QEMU's built-in firmware, or a wells
//! hypervisor): through `hvc #0`, the conduit QEMU `virt` uses when it has no EL2 or EL3 of its
//! own to offer; with `virtualization=on` (entered at EL2, no EL3) QEMU answers `smc #0` instead
//! ([`Conduit`]).

use core::arch::asm;

use crate::arch::monitor::psci::SYSTEM_OFF;
/// The calls and answers a kernel here uses, in PSCI's one table (`arch::monitor::psci`): CPU_ON
/// and AFFINITY_INFO in their SMC64 form (x1 a whole MPIDR, x2 a 64-bit entry point).
pub use crate::arch::monitor::psci::{
    AFFINITY_INFO_64 as AFFINITY_INFO, AFFINITY_OFF, AFFINITY_ON, ALREADY_ON, CPU_ON_64 as CPU_ON, INVALID_PARAMETERS, ON_PENDING, SUCCESS,
};

/// An SMCCC call with no arguments; returns x0. QEMU's own PSCI answers a function it does not
/// know with NOT_SUPPORTED (-1), as SMCCC asks.
pub fn call(function: u32) -> i64 {
    Conduit::Hvc.call3(function, 0, 0, 0)
}

/// How PSCI calls reach the firmware: QEMU `virt` answers HVC when it boots the kernel at EL1,
/// SMC when it boots it at EL2 (`virtualization=on`: HVC then belongs to EL2). At EL3 entry
/// (`secure=on`) QEMU offers no PSCI: firmware is expected there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conduit {
    Hvc,
    Smc,
}

impl Conduit {
    /// The conduit of QEMU's own PSCI for a kernel QEMU entered at `entry_el`; none at EL3.
    pub fn for_entry_level(entry_el: u8) -> Option<Conduit> {
        match entry_el {
            1 => Some(Conduit::Hvc),
            2 => Some(Conduit::Smc),
            _ => None,
        }
    }

    /// An SMCCC call with up to three arguments; returns x0.
    pub fn call3(self, function: u32, a1: u64, a2: u64, a3: u64) -> i64 {
        let result: i64;
        // SAFETY: the firmware or hypervisor answers in x0 and may change x1..x3 (SMCCC 1.0); it
        // touches no memory of ours (CPU_ON starts another CPU at the entry point given).
        unsafe {
            match self {
                Conduit::Hvc => asm!(
                    "hvc #0",
                    inlateout("x0") function as u64 => result,
                    inlateout("x1") a1 => _,
                    inlateout("x2") a2 => _,
                    inlateout("x3") a3 => _,
                    options(nostack)
                ),
                Conduit::Smc => asm!(
                    "smc #0",
                    inlateout("x0") function as u64 => result,
                    inlateout("x1") a1 => _,
                    inlateout("x2") a2 => _,
                    inlateout("x3") a3 => _,
                    options(nostack)
                ),
            }
        };
        result
    }

    /// CPU_ON: starts the CPU with affinity `mpidr` at physical address `entry`, with `context`
    /// in x0, at the level the firmware entered the kernel at, MMU off.
    pub fn cpu_on(self, mpidr: u64, entry: usize, context: usize) -> i64 {
        self.call3(CPU_ON, mpidr, entry as u64, context as u64)
    }

    /// AFFINITY_INFO at affinity level 0: whether the CPU `mpidr` is on, off or on its way
    /// (INVALID_PARAMETERS when there is no such CPU).
    pub fn affinity_info(self, mpidr: u64) -> i64 {
        self.call3(AFFINITY_INFO, mpidr, 0, 0)
    }
}

/// Powers the machine (or the VM) off. `status` goes in x1: plain PSCI ignores it, a wells
/// hypervisor reports it as the guest's result (`docs/hypervisor.md`).
pub fn system_off(status: i32) -> ! {
    // SAFETY: SYSTEM_OFF does not return; the firmware or hypervisor reads only x0 and x1.
    unsafe { asm!("hvc #0", in("x0") SYSTEM_OFF as u64, in("x1") status as i64 as u64, options(nostack)) };
    loop {
        super::wait_for_interrupt();
    }
}
