//! The partition programs this image carries: code in the image's flash, which every partition
//! may read and execute (MPU region 0), run unprivileged with only its own RAM writable. Each is
//! a [`PartitionEntry`]: (argument, restarts, RAM base, RAM end) -> exit status. None keeps a
//! static: its state is on its stacks and at its RAM's base ([`super::mini_os`]).

use super::mini_os::{Os, THREADS};
use crate::partition_println;
use wells_core::arch::armv7m::partition::{self as calls, PartitionEntry};

/// The thread demo: two threads on the partition's RTOS, each printing `arg` lines (5 when 0),
/// one every 2 and every 3 virtual ticks.
pub const THREADS_DEMO: PartitionEntry = threads_demo;
/// Prints a line, then spins forever without a call: only its window's end stops it.
pub const SPIN: PartitionEntry = spin;
/// Prints a line with its restart count, then writes the word at address `arg` (outside its
/// RAM): a MemManage fault. Should the write go through, it says so and ends with 1.
pub const WILD: PartitionEntry = wild;
/// Makes call number 99, which does not exist: stopped.
pub const BAD_CALL: PartitionEntry = bad_call;
/// Hands the console call buffers it may not read (`arg`: an address outside its RAM and the
/// code; then one past the end of its RAM, then a length wrapping the address space), a virtual
/// interrupt handler that is no code and a timer period below the least: each must be refused
/// (-1, -1, -1, -2, -3), which it prints. Then it makes VIRQ_RETURN outside any handler, for
/// which it is stopped; should it come back, it ends with 1.
pub const BAD_ARGUMENTS: PartitionEntry = bad_arguments;
/// Runs an undefined instruction: a UsageFault.
pub const UNDEFINED: PartitionEntry = undefined;

fn thread_body(os: &mut Os, index: usize) {
    let lines = if os.arg == 0 { 5 } else { os.arg };
    let pause = 2 + index as u32;
    for n in 1..=lines {
        partition_println!("thread {index}: line {n} of {lines} at tick {} (restarts {})", os.ticks(), os.restarts);
        os.sleep(index, pause);
    }
}

extern "C" fn threads_demo(arg: u32, restarts: u32, base: usize, end: usize) -> i32 {
    let bodies: [super::mini_os::Body; THREADS] = [thread_body, thread_body];
    let status = Os::run(arg, restarts, base, end, bodies);
    partition_println!("threads done (status {status})");
    status
}

extern "C" fn spin(_: u32, _: u32, _: usize, _: usize) -> i32 {
    partition_println!("spinning from now on");
    loop {
        core::hint::spin_loop();
    }
}

extern "C" fn wild(arg: u32, restarts: u32, _: usize, _: usize) -> i32 {
    partition_println!("start {restarts}: writing 0x{arg:08x}");
    // SAFETY: none: this is the fault the scenario wants; the MPU stops it.
    unsafe { (arg as usize as *mut u32).write_volatile(0x0bad_f00d) };
    partition_println!("the write to 0x{arg:08x} went through");
    1
}

extern "C" fn bad_call(_: u32, _: u32, _: usize, _: usize) -> i32 {
    partition_println!("calling number 99");
    calls::call(99, 0, 0, 0);
    partition_println!("call 99 returned");
    1
}

extern "C" fn bad_arguments(arg: u32, _: u32, base: usize, end: usize) -> i32 {
    let answers = [
        calls::call(calls::CONSOLE_WRITE, arg as usize, 16, 0).0 as i32,
        calls::call(calls::CONSOLE_WRITE, end - 8, 16, 0).0 as i32,
        calls::call(calls::CONSOLE_WRITE, end - 64, usize::MAX - 32, 0).0 as i32,
        calls::call(calls::VIRQ_HANDLER, base | 1, 0, 0).0 as i32,
        calls::call(calls::TICK_PERIOD, calls::TICK_MIN_US as usize - 1, 0, 0).0 as i32,
    ];
    partition_println!("bad arguments answered {answers:?}");
    calls::call(calls::VIRQ_RETURN, 0, 0, 0);
    partition_println!("VIRQ_RETURN outside a handler returned");
    1
}

extern "C" fn undefined(_: u32, _: u32, _: usize, _: usize) -> i32 {
    partition_println!("running an undefined instruction");
    // SAFETY: none needed: the fault is the point; the kernel stops this partition.
    unsafe { core::arch::asm!("udf #7") };
    1
}
