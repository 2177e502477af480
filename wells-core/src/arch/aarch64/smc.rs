//! Calls to the EL3 monitor through `smc #0` (SMC Calling Convention): what a normal-world
//! image under a monitor uses, where without one it would use `hvc` ([`super::psci`]).

use core::arch::asm;

/// One SMC with x0..x17 from `x`; `x` gets the registers back as the monitor left them (results
/// in x0..x3; SMCCC 1.1 keeps x4..x17).
pub fn call(x: &mut [u64; 18]) {
    // SAFETY: the monitor reads and writes only these registers (and its own memory, which the
    // normal world cannot reach); an SMC is no memory access of ours.
    unsafe {
        asm!(
            "smc #0",
            inout("x0") x[0], inout("x1") x[1], inout("x2") x[2], inout("x3") x[3],
            inout("x4") x[4], inout("x5") x[5], inout("x6") x[6], inout("x7") x[7],
            inout("x8") x[8], inout("x9") x[9], inout("x10") x[10], inout("x11") x[11],
            inout("x12") x[12], inout("x13") x[13], inout("x14") x[14], inout("x15") x[15],
            inout("x16") x[16], inout("x17") x[17],
            options(nostack)
        )
    };
}

/// An SMC with up to three arguments; returns x0.
pub fn call3(function: u32, a1: u64, a2: u64, a3: u64) -> i64 {
    let mut x = [0u64; 18];
    x[0] = function as u64;
    x[1] = a1;
    x[2] = a2;
    x[3] = a3;
    call(&mut x);
    x[0] as i64
}

/// PSCI SYSTEM_OFF through the monitor. Does not return; if it did, the CPU waits forever.
pub fn system_off() -> ! {
    call3(crate::arch::monitor::psci::SYSTEM_OFF, 0, 0, 0);
    loop {
        super::wait_for_interrupt();
    }
}
