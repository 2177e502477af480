//! Ending the run with a status: through semihosting, which ends QEMU with it (how the test
//! harness reads a result); or, built as a guest of the wells hypervisor (feature `guest`),
//! through PSCI SYSTEM_OFF with the status in r1 — a guest must never end QEMU itself.

/// Ends the run with `status` (0 = success).
pub fn exit(status: i32) -> ! {
    #[cfg(feature = "guest")]
    {
        wells_core::arch::arm::psci::system_off(status)
    }
    #[cfg(not(feature = "guest"))]
    {
        crate::semihosting::exit(status)
    }
}
