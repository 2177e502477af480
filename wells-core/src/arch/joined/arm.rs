//! The 32-bit Arm frame of the joining port (AAPCS), one text for A32 (Cortex-A, Cortex-R) and
//! T32 (Cortex-M, Thumb builds): r4-r11 and the return address, r3 beside them to keep the stack
//! 8-byte aligned, and on hard-float builds (`eabihf`) d8-d15, which the host's code may keep
//! live across a call into wells.

/// Words of a switch frame: d8-d15 where saved (two words each), then r3-r11 and the return
/// address.
#[cfg(target_abi = "eabihf")]
pub(super) const FRAME_WORDS: usize = 26;
#[cfg(not(target_abi = "eabihf"))]
pub(super) const FRAME_WORDS: usize = 10;
/// A multiple of 8 bytes: the stack stays aligned after the frame is popped.
pub(super) const FRAME_BYTES: usize = FRAME_WORDS * 4;
/// Index of r3 in the frame (after the FP registers).
const CORE_REGISTERS: usize = FRAME_WORDS - 10;

/// d8-d15 are saved only on hard-float builds; a soft-float build is for hosts that keep no
/// FP registers live across calls (Cortex-M3 has none).
#[cfg(target_abi = "eabihf")]
macro_rules! with_fp {
    ($line:literal) => {
        $line
    };
}
#[cfg(not(target_abi = "eabihf"))]
macro_rules! with_fp {
    ($line:literal) => {
        ""
    };
}

/// The first frame of a thread: the trampoline finds the entry in r4 and its argument in r5;
/// the frame's return address is the trampoline (its Thumb bit set on T32 builds, so the
/// `pop {pc}` that takes it enters the right state).
pub(super) fn frame(entry: crate::arch::ThreadEntry, arg: usize) -> [usize; FRAME_WORDS] {
    let mut words = [0; FRAME_WORDS];
    words[CORE_REGISTERS + 1] = entry as usize;
    words[CORE_REGISTERS + 2] = arg;
    words[FRAME_WORDS - 1] = thread_trampoline as *const () as usize;
    words
}

/// Saves the callee-saved registers and sp of the current context to `*save_sp`, loads the
/// next context's sp from `*next_sp` and returns into it. sp goes through r2: T32 allows sp
/// as a load or store register in fewer forms than A32.
#[unsafe(naked)]
pub(super) unsafe extern "C" fn switch_stacks(save_sp: *mut usize, next_sp: *const usize) {
    core::arch::naked_asm!(
        "push {{r3-r11, lr}}",
        with_fp!("vpush {{d8-d15}}"),
        "mov r2, sp",
        "str r2, [r0]",
        "ldr r2, [r1]",
        "mov sp, r2",
        with_fp!("vpop {{d8-d15}}"),
        "pop {{r3-r11, pc}}",
    )
}

/// Entered by `pop {pc}` from `switch_stacks` on a fresh stack: r4 = entry, r5 = argument.
#[unsafe(naked)]
unsafe extern "C" fn thread_trampoline() -> ! {
    core::arch::naked_asm!("mov r0, r5", "blx r4", "udf #0")
}
