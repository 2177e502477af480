//! The hypervisor below the wells monitor (feature `normal-world`, the full stack): the calls of
//! its guests that the monitor answers (`wells_core::arch::monitor::pass_up`: the secure service
//! and the PSCI calls about the machine) go up by SMC, the guest's x0..x7 as the call, the
//! monitor's x0..x3 as its answer. The rest of the guest's registers are kept, as SMCCC 1.1
//! keeps x4..x17.

use wells_core::arch::aarch64::{smc, TrapFrame};
use wells_core::arch::monitor::pass_up::passes_up;

/// Passes the guest's call in `frame` up to the monitor when it is one the monitor answers, and
/// puts the answer in the guest's x0..x3; false (nothing done) for every other call.
pub(crate) fn pass_up(frame: &mut TrapFrame) -> bool {
    if !passes_up(frame.x[0] as u32, frame.x[1]) {
        return false;
    }
    let mut x = [0u64; 18];
    x[..8].copy_from_slice(&frame.x[..8]);
    // Only w0 is the function ID: a guest's garbage above it does not reach the monitor.
    x[0] &= u32::MAX as u64;
    smc::call(&mut x);
    frame.x[..4].copy_from_slice(&x[..4]);
    true
}
