//! The AArch64 frame of the joining port (AAPCS64): x19-x28, the frame pointer and the link
//! register, and where the build has FP/SIMD (`neon`, the hard-float targets) the low halves of
//! v8-v15 (d8-d15), which the host's code may keep live across a call into wells.

/// d8-d15 are saved only where the build may touch FP/SIMD registers; a soft-float build of
/// wells is for hosts that do not use them either (an OS kernel).
#[cfg(target_feature = "neon")]
macro_rules! with_fp {
    ($($line:literal),* $(,)?) => { concat!($($line, "\n"),*) };
}
#[cfg(not(target_feature = "neon"))]
macro_rules! with_fp {
    ($($line:literal),* $(,)?) => {
        ""
    };
}

/// Words of a switch frame: x19-x28, x29, x30, then d8-d15 where saved.
#[cfg(target_feature = "neon")]
pub(super) const FRAME_WORDS: usize = 20;
#[cfg(not(target_feature = "neon"))]
pub(super) const FRAME_WORDS: usize = 12;
/// A frame is a multiple of 16 bytes, so the stack stays aligned after it is popped.
pub(super) const FRAME_BYTES: usize = FRAME_WORDS * 8;

/// The first frame of a thread: the trampoline finds the entry in x19 and its argument in x20;
/// `ret` goes to the trampoline through x30.
pub(super) fn frame(entry: crate::arch::ThreadEntry, arg: usize) -> [usize; FRAME_WORDS] {
    let mut words = [0; FRAME_WORDS];
    words[0] = entry as usize;
    words[1] = arg;
    words[11] = thread_trampoline as *const () as usize;
    words
}

/// Saves the callee-saved registers and sp of the current context to `*save_sp`, loads the
/// next context's sp from `*next_sp` and returns into it.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn switch_stacks(save_sp: *mut usize, next_sp: *const usize) {
    core::arch::naked_asm!(
        "sub sp, sp, #{frame}",
        "stp x19, x20, [sp, #0]",
        "stp x21, x22, [sp, #16]",
        "stp x23, x24, [sp, #32]",
        "stp x25, x26, [sp, #48]",
        "stp x27, x28, [sp, #64]",
        "stp x29, x30, [sp, #80]",
        with_fp!("stp d8, d9, [sp, #96]", "stp d10, d11, [sp, #112]", "stp d12, d13, [sp, #128]", "stp d14, d15, [sp, #144]"),
        "mov x9, sp",
        "str x9, [x0]",
        "ldr x9, [x1]",
        "mov sp, x9",
        "ldp x19, x20, [sp, #0]",
        "ldp x21, x22, [sp, #16]",
        "ldp x23, x24, [sp, #32]",
        "ldp x25, x26, [sp, #48]",
        "ldp x27, x28, [sp, #64]",
        "ldp x29, x30, [sp, #80]",
        with_fp!("ldp d8, d9, [sp, #96]", "ldp d10, d11, [sp, #112]", "ldp d12, d13, [sp, #128]", "ldp d14, d15, [sp, #144]"),
        "add sp, sp, #{frame}",
        "ret",
        frame = const FRAME_BYTES,
    )
}

/// Entered by `ret` from `switch_stacks` on a fresh stack: x19 = entry, x20 = argument.
#[unsafe(naked)]
unsafe extern "C" fn thread_trampoline() -> ! {
    core::arch::naked_asm!("mov x0, x20", "blr x19", "brk #0")
}
