//! Hypercalls: `hvc #0` with an SMCCC function ID in x0 (r0), arguments in x1..x4 (r1..r4),
//! result in x0 (r0).

use core::arch::asm;

/// Timeout meaning "wait as long as it takes".
pub const FOREVER: u64 = u64::MAX;

/// Makes hypercall `function` with four arguments; returns x0 (r0, sign-extended).
#[cfg(target_arch = "aarch64")]
pub fn call(function: u64, args: [u64; 4]) -> i64 {
    let result: i64;
    // SAFETY: the hypervisor (or QEMU's PSCI when running bare) handles the call and touches
    // only memory the arguments name.
    unsafe {
        asm!(
            "hvc #0",
            inlateout("x0") function => result,
            inlateout("x1") args[0] => _,
            inlateout("x2") args[1] => _,
            inlateout("x3") args[2] => _,
            in("x4") args[3],
            options(nostack)
        )
    };
    result
}

/// Makes hypercall `function` with four arguments (32 bits each); returns r0 sign-extended.
#[cfg(target_arch = "arm")]
pub fn call(function: u64, args: [u64; 4]) -> i64 {
    let result: i32;
    // SAFETY: as for AArch64.
    unsafe {
        asm!(
            ".arch_extension virt",
            "hvc #0",
            inlateout("r0") function as u32 => result,
            inlateout("r1") args[0] as u32 => _,
            inlateout("r2") args[1] as u32 => _,
            inlateout("r3") args[2] as u32 => _,
            in("r4") args[3] as u32,
            options(nostack)
        )
    };
    result as i64
}

/// Writes `len` bytes at guest address `ipa` to the console; bytes written or a negative error.
pub fn console_write(ipa: u64, len: u64) -> i64 {
    call(0xC600_0001, [ipa, len, 0, 0])
}

/// Sends `message` on the VM's port `port` (`FOREVER`: wait as long as it takes).
pub fn port_send(port: u64, message: &[u8], timeout_ms: u64) -> i64 {
    call(0xC600_0003, [port, message.as_ptr() as u64, message.len() as u64, timeout_ms])
}

/// Receives into `buffer` from the VM's port `port`; bytes received or a negative error.
pub fn port_receive(port: u64, buffer: &mut [u8], timeout_ms: u64) -> i64 {
    call(0xC600_0004, [port, buffer.as_mut_ptr() as u64, buffer.len() as u64, timeout_ms])
}

/// PSCI SYSTEM_OFF, with the guest's result in x1 (a wells extension; plain PSCI ignores it).
pub fn system_off(status: u64) -> ! {
    call(0x8400_0008, [status, 0, 0, 0]);
    loop {
        core::hint::spin_loop();
    }
}

/// PSCI SYSTEM_RESET.
pub fn system_reset() -> ! {
    call(0x8400_0009, [0; 4]);
    loop {
        core::hint::spin_loop();
    }
}
