//! The x86_64 frame of the joining port (System V ABI; also the Linux kernel's, where returns
//! and indirect calls go through the kernel's thunks: feature `linux-kernel`).

/// Words `switch_stacks` pops on a fresh stack, lowest address first: r15 r14 r13 r12 rbx rbp,
/// then the return address.
pub(super) const FRAME_WORDS: usize = 7;
/// Bytes below the stack top a new thread's frame takes: after `ret` rsp = top - 16 is
/// 16-aligned minus the 8 of a return address, as the `call` of the trampoline needs.
pub(super) const FRAME_BYTES: usize = 72;

/// The first frame of a thread: the trampoline finds the entry in r12 and its argument in r13.
pub(super) fn frame(entry: crate::arch::ThreadEntry, arg: usize) -> [usize; FRAME_WORDS] {
    [0, 0, arg, entry as usize, 0, 0, thread_trampoline as *const () as usize]
}

/// How a hand-written function returns: a plain `ret`, or inside the Linux kernel through its
/// return thunk (what `-Zfunction-return=thunk-extern` does for compiled code).
#[cfg(not(feature = "linux-kernel"))]
macro_rules! ret {
    () => {
        "ret"
    };
}
#[cfg(feature = "linux-kernel")]
macro_rules! ret {
    () => {
        "jmp __x86_return_thunk\nint3"
    };
}

/// How the trampoline calls a thread's entry: directly, or inside the Linux kernel through the
/// retpoline thunk (what `-Zretpoline-external-thunk` does for compiled code).
#[cfg(not(feature = "linux-kernel"))]
macro_rules! call_r12 {
    () => {
        "call r12"
    };
}
#[cfg(feature = "linux-kernel")]
macro_rules! call_r12 {
    () => {
        "call __x86_indirect_thunk_r12"
    };
}

/// Saves callee-saved registers and rsp of the current context, loads the next one from
/// `*next_sp` (the way the Linux kernel's own `__switch_to_asm` does, so objtool keeps
/// tracking the frame: same shape on both stacks).
#[unsafe(naked)]
pub(super) unsafe extern "C" fn switch_stacks(save_sp: *mut usize, next_sp: *const usize) {
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, [rsi]",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        ret!(),
    )
}

/// Entered by `ret` from `switch_stacks` on a fresh stack: r12 = entry, r13 = argument.
/// `endbr64` first: its address is taken (`init_stack`), and under the kernel's IBT every
/// address-taken function must start with one (objtool checks; a no-op on other CPUs).
#[unsafe(naked)]
unsafe extern "C" fn thread_trampoline() -> ! {
    core::arch::naked_asm!("endbr64", "mov rdi, r13", call_r12!(), "ud2")
}
