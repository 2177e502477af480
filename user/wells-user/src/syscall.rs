//! The trap itself: `svc #0` with the registers of `docs/syscalls.md`, one version per arch.

use core::arch::asm;

/// Makes system call `nr` with up to six arguments (missing ones are 0) and returns the raw
/// (status, value) pair. Nothing is checked here: this is the escape hatch for tests that make
/// deliberately bad calls (a NULL or kernel pointer, an unknown number such as 999).
///
/// # Safety
/// The kernel may write into any memory of this task that the arguments name, and an unknown
/// number stops the task.
pub unsafe fn syscall(nr: usize, args: &[usize]) -> (isize, usize) {
    let mut a = [0usize; 6];
    for (slot, value) in a.iter_mut().zip(args) {
        *slot = *value;
    }
    // SAFETY: forwarded contract: the caller vouches for what the kernel may write.
    let (status, value, _) = unsafe { trap(nr, a) };
    (status, value)
}

/// AArch64 EL0: number in x8, arguments x0..x5, status x0, value x1. x2 is declared as an
/// output too only so the AArch32 `time` layout (high word in r2) has one shape on both.
#[cfg(target_arch = "aarch64")]
#[inline(always)]
pub(crate) unsafe fn trap(nr: usize, a: [usize; 6]) -> (isize, usize, usize) {
    let (status, value, extra): (isize, usize, usize);
    // SAFETY: `svc` enters the kernel, which touches only memory the arguments name (the
    // caller's contract) and returns with every other register preserved.
    unsafe {
        asm!(
            "svc #0",
            inlateout("x0") a[0] => status,
            inlateout("x1") a[1] => value,
            inlateout("x2") a[2] => extra,
            in("x3") a[3],
            in("x4") a[4],
            in("x5") a[5],
            in("x8") nr,
            options(nostack),
        );
    }
    (status, value, extra)
}

/// [`trap`] for a call that takes no argument: only the number is set, so a null call costs
/// no zeroed registers (the kernel reads none for it).
#[cfg(target_arch = "aarch64")]
#[inline(always)]
pub(crate) unsafe fn trap0(nr: usize) -> (isize, usize, usize) {
    let (status, value, extra): (isize, usize, usize);
    // SAFETY: as for `trap`; no argument names any memory.
    unsafe {
        asm!(
            "svc #0",
            lateout("x0") status,
            lateout("x1") value,
            lateout("x2") extra,
            in("x8") nr,
            options(nostack),
        );
    }
    (status, value, extra)
}

/// AArch32 EL0: number in r7, arguments r0..r5, status r0, value r1 (r2 = high word of `time`).
///
/// r7 is the frame pointer of T32 code, and rustc refuses it as an asm operand there; whether
/// code is T32 (`-C target-feature=+thumb-mode`, thumbv7 targets) cannot be tested with `cfg` on
/// stable. So r7 is never named: it is saved in a scratch register, loaded with the number, and
/// put back after the trap. This is right in A32 code too, where r7 is an ordinary register (if
/// the compiler puts `nr` in r7, the restore gives it back; `saved` is a non-late output, so it
/// never shares a register with an input).
#[cfg(target_arch = "arm")]
#[inline(always)]
pub(crate) unsafe fn trap(nr: usize, a: [usize; 6]) -> (isize, usize, usize) {
    let (status, value, extra): (isize, usize, usize);
    // SAFETY: as for AArch64; r7 is saved and restored around the call.
    unsafe {
        asm!(
            "mov {saved}, r7",
            "mov r7, {nr}",
            "svc #0",
            "mov r7, {saved}",
            nr = in(reg) nr,
            saved = out(reg) _,
            inlateout("r0") a[0] => status,
            inlateout("r1") a[1] => value,
            inlateout("r2") a[2] => extra,
            in("r3") a[3],
            in("r4") a[4],
            in("r5") a[5],
            options(nostack),
        );
    }
    (status, value, extra)
}

/// [`trap`] for a call that takes no argument, as on AArch64.
#[cfg(target_arch = "arm")]
#[inline(always)]
pub(crate) unsafe fn trap0(nr: usize) -> (isize, usize, usize) {
    let (status, value, extra): (isize, usize, usize);
    // SAFETY: as for `trap`; no argument names any memory.
    unsafe {
        asm!(
            "mov {saved}, r7",
            "mov r7, {nr}",
            "svc #0",
            "mov r7, {saved}",
            nr = in(reg) nr,
            saved = out(reg) _,
            lateout("r0") status,
            lateout("r1") value,
            lateout("r2") extra,
            options(nostack),
        );
    }
    (status, value, extra)
}

#[cfg(not(any(target_arch = "aarch64", target_arch = "arm")))]
compile_error!(
    "wells-user runs at EL0 on Arm: build for aarch64-unknown-none-softfloat or armv7a-none-eabi"
);
