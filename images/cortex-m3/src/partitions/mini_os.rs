//! The small RTOS a partition program runs on (the first slice of issue 16's "an RTOS instance
//! per partition"): threads with their own stacks in the partition's RAM, a round-robin
//! scheduler, sleeping in virtual timer ticks. Everything runs unprivileged; time and console are
//! calls to the hosting kernel (`wells_core::arch::armv7m::partition`), never devices.
//!
//! Its state lives at the base of the partition's RAM (zeroed by the kernel at each start), so
//! one program in the shared flash serves every partition: nothing is static.
//!
//! Threads switch cooperatively with the core's ARMv7-M switch (a swap of the stack pointer,
//! callee-saved registers on the stacks), always through the scheduler's own context: a thread
//! that sleeps or ends switches to the scheduler, which picks the next thread whose wake tick
//! has come, or waits for the next virtual interrupt when none has.

use core::fmt::Write;
use wells_core::arch::armv7m::partition as calls;
use wells_core::arch::armv7m::Armv7m;
use wells_core::arch::Arch;

/// Threads per partition.
pub const THREADS: usize = 2;
/// Bytes of stack for each thread.
const THREAD_STACK: usize = 2048;
/// Where the first thread stack begins, from the RAM's base (the state lies below).
const STACKS_AT: usize = 1024;
/// The virtual timer's period.
pub const TICK_US: u32 = 500;

/// A thread body: (the OS, its index).
pub type Body = fn(&mut Os, usize);

#[repr(C)]
struct Thread {
    sp: usize,
    wake: u32,
    done: bool,
    body: Option<Body>,
}

/// The partition's RTOS state.
#[repr(C)]
pub struct Os {
    /// Virtual timer ticks seen (written by the virtual interrupt handler).
    ticks: u32,
    scheduler_sp: usize,
    current: usize,
    threads: [Thread; THREADS],
    /// The program's own argument, for its threads.
    pub arg: u32,
    /// How many times the partition was restarted.
    pub restarts: u32,
}

/// The virtual interrupt handler: counts ticks.
extern "C" fn on_virtual_interrupt(number: u32, count: u32, os: usize) {
    if number == calls::VIRQ_TIMER {
        let ticks = os as *mut u32;
        // SAFETY: `os` is the address of this partition's `Os` (given at VIRQ_HANDLER), whose
        // first field is `ticks`; the handler interrupts the threads, which read it volatile.
        unsafe { ticks.write_volatile(ticks.read_volatile().wrapping_add(count)) };
    }
}

/// First code of a thread: run its body, mark it done, give the CPU back for good.
extern "C" fn thread_start(os: usize, _token: usize) -> ! {
    // SAFETY: `os` is the partition's `Os`, which outlives its threads.
    let os = unsafe { &mut *(os as *mut Os) };
    let index = os.current;
    if let Some(body) = os.threads[index].body {
        body(os, index);
    }
    os.threads[index].done = true;
    loop {
        os.back_to_scheduler(index);
    }
}

impl Os {
    /// Sets up the OS in the partition's RAM `[base, end)` with `bodies` as its threads, then
    /// runs them until all have ended. Returns the exit status (0).
    pub fn run(arg: u32, restarts: u32, base: usize, end: usize, bodies: [Body; THREADS]) -> i32 {
        if end - base < STACKS_AT + THREADS * THREAD_STACK + 2048 {
            return 3;
        }
        // SAFETY: the kernel zeroed this partition's RAM before starting it; the `Os` takes its
        // first bytes, which nothing else uses (stacks start at STACKS_AT, the entry's stack is
        // at the RAM's top).
        let os = unsafe { &mut *(base as *mut Os) };
        os.arg = arg;
        os.restarts = restarts;
        for (index, body) in bodies.into_iter().enumerate() {
            let bottom = base + STACKS_AT + index * THREAD_STACK;
            // SAFETY: this thread's own stack in the partition's RAM, below the entry's stack.
            let stack = unsafe { core::slice::from_raw_parts_mut(bottom as *mut u8, THREAD_STACK) };
            os.threads[index] = Thread { sp: Armv7m.init_stack(stack, thread_start, base), wake: 0, done: false, body: Some(body) };
        }
        if calls::set_virq_handler(on_virtual_interrupt, base) != 0 || calls::set_tick_period(TICK_US) != 0 {
            return 2;
        }
        let mut next = 0;
        loop {
            if os.threads.iter().all(|t| t.done) {
                return 0;
            }
            let now = os.ticks();
            let ready = (0..THREADS).map(|i| (next + i) % THREADS).find(|&i| !os.threads[i].done && os.threads[i].wake.wrapping_sub(now) as i32 <= 0);
            match ready {
                Some(index) => {
                    os.current = index;
                    next = index + 1;
                    let to = os.threads[index].sp;
                    // SAFETY: `to` is the thread's saved stack pointer (from `init_stack` or its
                    // last switch); the scheduler's is saved for the thread to come back to.
                    unsafe { Armv7m.switch(&mut os.scheduler_sp, to, 0) };
                }
                None => calls::wait(),
            }
        }
    }

    /// Virtual ticks so far.
    pub fn ticks(&self) -> u32 {
        // SAFETY: a field of `self`; read volatile because the handler updates it.
        unsafe { core::ptr::addr_of!(self.ticks).read_volatile() }
    }

    /// The running thread `index` sleeps for `ticks` virtual ticks.
    pub fn sleep(&mut self, index: usize, ticks: u32) {
        self.threads[index].wake = self.ticks().wrapping_add(ticks);
        self.back_to_scheduler(index);
    }

    fn back_to_scheduler(&mut self, index: usize) {
        let to = self.scheduler_sp;
        // SAFETY: the scheduler's context was saved when it switched to this thread.
        unsafe { Armv7m.switch(&mut self.threads[index].sp, to, 0) };
    }
}

/// One console line built on the stack, written with one call.
pub struct Line {
    bytes: [u8; 120],
    len: usize,
}

impl Line {
    pub fn new() -> Line {
        Line { bytes: [0; 120], len: 0 }
    }

    /// Writes the line with its newline (in place of its last byte when it is full: the kernel
    /// prints only whole lines); the call's result.
    pub fn send(mut self) -> i32 {
        self.len = self.len.min(self.bytes.len() - 1);
        let _ = self.write_str("\n");
        calls::console_write(&self.bytes[..self.len])
    }
}

impl Default for Line {
    fn default() -> Line {
        Line::new()
    }
}

impl Write for Line {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// Prints one line through the console call.
#[macro_export]
macro_rules! partition_println {
    ($($arg:tt)*) => {{
        let mut line = $crate::partitions::mini_os::Line::new();
        let _ = core::fmt::Write::write_fmt(&mut line, format_args!($($arg)*));
        line.send()
    }};
}
