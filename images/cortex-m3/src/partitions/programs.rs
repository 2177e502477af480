//! The partition programs this image carries: code in the image's flash, which every partition
//! may read and execute (MPU region 0), run unprivileged with only its own RAM writable. Each is
//! a [`PartitionEntry`]: (argument, restarts, RAM base, RAM end) -> exit status. None keeps a
//! static: its state is on its stacks and in its RAM ([`super::wells_os`], [`super::mini_os`]).

use super::mini_os::{Os, THREADS};
use super::wells_os::{self, PartitionKernel};
use crate::partition_println;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};
use wells_core::arch::armv7m::partition::{self as calls, PartitionEntry};
use wells_core::{Handle, Timeout};

/// The wells demo: a wells kernel runs in the partition ([`super::wells_os`]) with two threads.
/// A kernel timer posts a semaphore every millisecond; the producer takes two posts, then sends
/// the round's number through a port; the consumer receives it, prints it and sleeps 1 ms. The
/// low byte of `arg` gives the rounds (5 when 0). Ends with 0 when every call succeeded.
pub const WELLS_DEMO: PartitionEntry = wells_demo;
/// Added to the wells demo's `arg`: in its first start (restarts 0) the consumer writes the
/// hosting kernel's RAM after round 2, a MemManage fault.
pub const FAULT_ONCE: u32 = 1 << 16;

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

extern "C" fn wells_demo(arg: u32, restarts: u32, base: usize, end: usize) -> i32 {
    let kernel = match wells_os::start(base, end) {
        Ok(kernel) => kernel,
        Err(why) => {
            partition_println!("wells kernel not started: {why:?}");
            return 2;
        }
    };
    // The kernel lives as long as the partition (its RAM is zeroed at a restart): leaked, so
    // its threads may hold it.
    let kernel: &'static PartitionKernel = Box::leak(Box::new(kernel));
    let failures = Arc::new(AtomicU32::new(0));
    let stack_unused = Arc::new(AtomicU32::new(u32::MAX));
    let status = match wells_demo_threads(kernel, arg, restarts, &failures, &stack_unused).and_then(|()| kernel.run()) {
        Ok(()) if failures.load(Ordering::Relaxed) == 0 => 0,
        Ok(()) => 1,
        Err(e) => {
            partition_println!("wells kernel: {e:?}");
            1
        }
    };
    let heap = wells_os::heap_stats();
    let unused = stack_unused.load(Ordering::Relaxed);
    let entry_unused = wells_os::entry_stack_never_used(end);
    partition_println!(
        "wells kernel done (status {status}); heap peak {} of {}; stack never used: threads {unused} of {THREAD_STACK}, entry {entry_unused}",
        heap.peak_used,
        heap.total
    );
    status
}

/// Bytes of stack of each of the wells demo's threads.
const THREAD_STACK: usize = 2048;

/// The demo's timer, semaphore, port and threads, created and started. Each thread counts its
/// failure in `failures` and leaves the least of its stack it never used in `stack_unused`.
fn wells_demo_threads(kernel: &'static PartitionKernel, arg: u32, restarts: u32, failures: &Arc<AtomicU32>, stack_unused: &Arc<AtomicU32>) -> wells_core::Result<()> {
    let rounds = match arg & 0xff {
        0 => 5,
        n => n,
    };
    let fault = arg & FAULT_ONCE != 0 && restarts == 0;
    let ticks = kernel.semaphore_create(0, 4)?;
    let port = kernel.port_create(4, 2)?;
    let timer = kernel.timer_create(Box::new(move || {
        // Full (the producer is late): the tick is dropped, as a counting semaphore does.
        let _ = kernel.semaphore_post(ticks);
    }))?;
    kernel.timer_start(timer, 1_000_000, 1_000_000)?;
    let (failed, unused) = (failures.clone(), stack_unused.clone());
    let producer = kernel.thread_create(
        "producer",
        5,
        THREAD_STACK,
        Box::new(move || {
            let entry = wells_os::frame_address();
            let result = produce(kernel, ticks, port, timer, rounds);
            unused.fetch_min(wells_os::stack_never_used(entry, THREAD_STACK) as u32, Ordering::Relaxed);
            counted(&failed, result)
        }),
    )?;
    let (failed, unused) = (failures.clone(), stack_unused.clone());
    let consumer = kernel.thread_create(
        "consumer",
        5,
        THREAD_STACK,
        Box::new(move || {
            let entry = wells_os::frame_address();
            let result = consume(kernel, port, rounds, restarts, fault);
            unused.fetch_min(wells_os::stack_never_used(entry, THREAD_STACK) as u32, Ordering::Relaxed);
            counted(&failed, result)
        }),
    )?;
    kernel.thread_start(producer)?;
    kernel.thread_start(consumer)
}

/// A thread's end: its error counted and printed.
fn counted(failures: &AtomicU32, result: wells_core::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            failures.fetch_add(1, Ordering::Relaxed);
            partition_println!("thread failed: {e:?}");
            1
        }
    }
}

fn produce(kernel: &PartitionKernel, ticks: Handle, port: Handle, timer: Handle, rounds: u32) -> wells_core::Result<()> {
    for n in 1..=rounds {
        kernel.semaphore_wait(ticks, Timeout::Forever)?;
        kernel.semaphore_wait(ticks, Timeout::Forever)?;
        kernel.port_send(port, &n.to_le_bytes(), Timeout::Forever)?;
        partition_println!("producer: sent {n} of {rounds} at {} us", kernel.now_ns() / 1000);
    }
    kernel.timer_cancel(timer)
}

fn consume(kernel: &PartitionKernel, port: Handle, rounds: u32, restarts: u32, fault: bool) -> wells_core::Result<()> {
    for _ in 0..rounds {
        let mut message = [0u8; 4];
        kernel.port_receive(port, &mut message, Timeout::Forever)?;
        let n = u32::from_le_bytes(message);
        partition_println!("consumer: got {n} (restarts {restarts})");
        if fault && n == 2 {
            let wild = crate::facts::RAM_BASE;
            partition_println!("consumer: writing 0x{wild:08x}");
            // SAFETY: none: this is the fault the scenario wants; the MPU stops it.
            unsafe { (wild as *mut u32).write_volatile(0x0bad_f00d) };
        }
        kernel.sleep_ns(1_000_000)?;
    }
    Ok(())
}
