//! The partitions' cyclic schedule on the Cortex-M3 (ARINC 653 style), and everything the kernel
//! does for a partition: its calls, its virtual interrupts, its faults.
//!
//! **Windows**: a major frame of fixed windows, one per partition in the order of the
//! description, then idle time up to the frame's end. Boundaries are absolute times on the board
//! clock (start of the window + its length), so lateness never accumulates. SysTick, owned by the
//! executive while partitions run, fires [`SWITCH_LEAD_NS`] before each boundary: the running
//! partition's registers are saved and its MPU region disabled, then the kernel waits for the
//! exact boundary and only then loads the next partition. Whatever came before — a spinner cut
//! off, an idle window, a partition in the middle of a call — the path from the boundary to the
//! next partition's first instruction is then the same: that keeps the jitter small. A partition
//! that is stopped, has ended, waits or yielded leaves the CPU idle to its window's end: no
//! partition ever gets another's time.
//!
//! **A partition's context** is what a trap from it leaves: the hardware frame on its own stack
//! (in its RAM) and, in the kernel's trap frame, its stack pointer and r4-r11. Switching
//! partitions is saving those two from the trap frame and putting the next one's there; the trap
//! returns into whichever partition the trap frame names.
//!
//! Everything here runs in privileged thread mode with the kernel's interrupts masked (SysTick
//! only pends PendSV), on the runner's stack, on one CPU.

use super::spec::{OnFault, PartitionSpec};
pub use wells_board_common::window_lateness::Lateness;
use crate::{board, clock, facts};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use wells_core::arch::armv7m::exceptions::{PENDSV, SVCALL};
use wells_core::arch::armv7m::mpu::{self, Access, Region, RegionSet};
use wells_core::arch::armv7m::partition as calls;
use wells_core::arch::armv7m::{scb, Armv7m, ExceptionFrame, TrapFrame};
use wells_core::arch::Arch;

/// How long before a window's end the running partition is stopped and saved: more than the
/// longest path with the kernel's interrupts masked (a console call of 256 bytes), in
/// nanoseconds of the board clock (instructions under `-icount shift=0`).
pub const SWITCH_LEAD_NS: u64 = 10_000;
/// The idle CPU sleeps (WFI) until this long before its next event, then polls the clock. Why:
/// under QEMU `-icount` the first clock readings after a WFI wake-up run a few hundred
/// instructions apart from where a busy CPU would read them (measured: window starts after an
/// idle window came 200..400 instructions later than others); polling the last stretch keeps
/// them regular.
const IDLE_POLL_NS: u64 = 20_000;
/// One slot of partition RAM: the largest partition.
pub const SLOT_SIZE: usize = 16 * 1024;
/// Partitions at most.
pub const SLOTS: usize = 4;
/// The smallest partition RAM (its RTOS state and stacks fit in 8 KiB; 1 KiB runs the tests'
/// one-line programs).
pub const RAM_MIN: usize = 1024;

/// Breaks the isolation on purpose (to see the tests fail, issue 16): a partition's regions then
/// include the next slot's RAM.
const BREAK_ISOLATION: bool = false;

/// The partitions' RAM: [`SLOTS`] slots, each aligned to its size so that any power of two up to
/// it is one MPU region.
#[repr(C, align(16384))]
struct PartitionRam(UnsafeCell<[u8; SLOT_SIZE * SLOTS]>);

const _: () = assert!(core::mem::align_of::<PartitionRam>() == SLOT_SIZE);

// SAFETY: the RAM is written only by the executive (interrupts masked, one CPU) while its
// partition does not run, and by that partition itself while it does.
unsafe impl Sync for PartitionRam {}

static RAM: PartitionRam = PartitionRam(UnsafeCell::new([0; SLOT_SIZE * SLOTS]));

/// Partition `index`'s RAM slot: its first address.
pub fn slot_base(index: usize) -> usize {
    RAM.0.get() as usize + index * SLOT_SIZE
}

/// Where the shared partition code lies: the image's flash (above the null guard).
fn in_code(address: usize, len: usize) -> bool {
    let (base, size) = (facts::FLASH_BASE, facts::FLASH_SIZE);
    address >= base + 256 && address.checked_add(len).is_some_and(|end| end <= base + size)
}

/// Where a partition is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Ready,
    /// Stopped after a fault: why.
    Stopped(String),
    /// Ended with this status.
    Ended(i32),
}

/// One partition's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: &'static str,
    pub state: State,
    pub restarts: u32,
    /// Windows in which it ran.
    pub windows: u32,
    /// Virtual interrupts delivered to its handler.
    pub virtual_interrupts: u32,
    /// Console lines it printed.
    pub lines: u32,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub partitions: Vec<Outcome>,
    /// Major frames begun.
    pub frames: u32,
    pub lateness: Lateness,
    /// How many times the console's lines changed from one partition's to another's.
    pub line_owner_changes: u32,
    /// The most instructions a switch at a window boundary took: saving the preempted partition
    /// (from the trap handler's first instruction) plus loading the next (from the boundary),
    /// without the wait for the boundary between them.
    pub switch_max_ns: u64,
    /// The most instructions from a virtual timer tick coming due (while its partition ran or
    /// waited in its window) to the return into its handler.
    pub virq_max_ns: u64,
    /// Virtual interrupts measured for [`Report::virq_max_ns`].
    pub virq_measured: u32,
    /// Windows skipped whole because the board clock had already run past them when the
    /// executive came to start them. Never under `-icount`; in real time, when the host runs QEMU
    /// slower than the board's clock (each MPU reload costs QEMU a TLB flush).
    pub windows_missed: u32,
}

struct Partition {
    spec: PartitionSpec,
    ram: (usize, usize),
    regions: RegionSet,
    state: State,
    restarts: u32,
    /// Its stack pointer (where its hardware frame is) and r4-r11 when it does not run.
    psp: u32,
    r4_r11: [u32; 8],
    /// Waiting (WAIT) for a virtual interrupt.
    waiting: bool,
    /// Gave up the rest of its window (YIELD).
    yielded: bool,
    /// Its virtual interrupt handler (address, word).
    handler: Option<(u32, u32)>,
    /// In its handler: the interrupted context (stack pointer, r4-r11), restored at VIRQ_RETURN.
    interrupted: Option<(u32, [u32; 8])>,
    tick_ns: u64,
    next_tick_ns: u64,
    line: Vec<u8>,
    windows: u32,
    virtual_interrupts: u32,
    lines: u32,
}

impl Partition {
    fn runnable(&self) -> bool {
        self.state == State::Ready && !self.yielded
    }

    fn tick_due(&self, now: u64) -> bool {
        self.tick_ns != 0 && now >= self.next_tick_ns
    }
}

struct Executive {
    partitions: Vec<Partition>,
    /// (partition, length in ns); `None`: the idle rest of the frame.
    windows: Vec<(Option<usize>, u64)>,
    window: usize,
    window_start: u64,
    window_end: u64,
    /// The window's partition has not run yet in it (its start is still to be measured).
    window_fresh: bool,
    /// The partition whose registers the trap frame holds.
    running: Option<usize>,
    frames: u32,
    frame_limit: u32,
    lateness: Lateness,
    /// The trap handler's first instant, this trap.
    trap_ns: u64,
    /// The save half of a switch under way (a partition preempted at its window's end).
    save_ns: Option<u64>,
    switch_max_ns: u64,
    virq_max_ns: u64,
    virq_measured: u32,
    /// When the virtual tick being delivered came due (while its partition held the CPU).
    pending_virq: Option<u64>,
    line_owner: Option<usize>,
    line_owner_changes: u32,
    windows_missed: u32,
}

struct Global(UnsafeCell<Option<Executive>>);

// SAFETY: one CPU, and every access is made with the kernel's interrupts masked: by `run` before
// the first and after the last trap of a run, and by the trap handler in between.
unsafe impl Sync for Global {}

static EXECUTIVE: Global = Global(UnsafeCell::new(None));

fn executive() -> Option<&'static mut Executive> {
    // SAFETY: see `Global`: nothing else holds a reference while the trap handler runs.
    unsafe { (*EXECUTIVE.0.get()).as_mut() }
}

/// The runner's stack: the first trap of a run is taken on it, and every later one (the trap
/// frame is built where the first left it).
const RUNNER_STACK: usize = 8192;
#[repr(C, align(8))]
struct RunnerStack(UnsafeCell<[u8; RUNNER_STACK]>);
// SAFETY: used only by the trap path of the current run, on one CPU.
unsafe impl Sync for RunnerStack {}
static STACK: RunnerStack = RunnerStack(UnsafeCell::new([0; RUNNER_STACK]));

/// The caller of `run`, saved while partitions run.
struct SavedSp(UnsafeCell<usize>);
// SAFETY: written by `run`'s switch, read by `finish`'s, never at once.
unsafe impl Sync for SavedSp {}
static CALLER_SP: SavedSp = SavedSp(UnsafeCell::new(0));

/// Runs `specs` as partitions in windows of a `major_frame_us` frame until each has ended or
/// stopped, or `frame_limit` frames have begun (0: no limit). Refuses a description that does
/// not fit (too many partitions, RAM not a power of two, windows longer than the frame).
pub fn run(specs: &[PartitionSpec], major_frame_us: u64, frame_limit: u32) -> Result<Report, String> {
    if specs.is_empty() || specs.len() > SLOTS {
        return Err(format!("{} partitions: between 1 and {SLOTS}", specs.len()));
    }
    if !mpu::enabled() {
        return Err(String::from("the MPU is off: partitions would not be isolated"));
    }
    let mut partitions = Vec::new();
    let mut windows = Vec::new();
    let mut used_ns = 0;
    for (index, spec) in specs.iter().enumerate() {
        if spec.window_us == 0 {
            return Err(format!("partition '{}': a window of 0 us", spec.name));
        }
        if !spec.ram_size.is_power_of_two() || !(RAM_MIN..=SLOT_SIZE).contains(&spec.ram_size) {
            return Err(format!("partition '{}': RAM {:#x} is no power of two from {RAM_MIN:#x} to {SLOT_SIZE:#x}", spec.name, spec.ram_size));
        }
        let base = slot_base(index);
        let mut regions = [Region { base, size: spec.ram_size, access: Access::ReadWrite }; 2];
        let count = if BREAK_ISOLATION && index + 1 < specs.len() {
            regions[1] = Region { base: slot_base(index + 1), size: SLOT_SIZE, access: Access::ReadWrite };
            2
        } else {
            1
        };
        let regions = RegionSet::new(&regions[..count]).ok_or_else(|| format!("partition '{}': RAM is no MPU region", spec.name))?;
        partitions.push(Partition {
            spec: *spec,
            ram: (base, base + spec.ram_size),
            regions,
            state: State::Ready,
            restarts: 0,
            psp: 0,
            r4_r11: [0; 8],
            waiting: false,
            yielded: false,
            handler: None,
            interrupted: None,
            tick_ns: 0,
            next_tick_ns: 0,
            line: Vec::new(),
            windows: 0,
            virtual_interrupts: 0,
            lines: 0,
        });
        let window_ns = spec.window_us * 1000;
        windows.push((Some(index), window_ns));
        used_ns += window_ns;
    }
    let frame_ns = major_frame_us * 1000;
    if used_ns > frame_ns {
        return Err(format!("the windows take {} us, more than the {major_frame_us} us frame", used_ns / 1000));
    }
    if frame_ns > used_ns {
        windows.push((None, frame_ns - used_ns));
    }
    for partition in &mut partitions {
        partition.start();
    }
    // Region 0: the shared code (the image's flash), read and execute for partitions; the null
    // guard (region 3) stays above it.
    mpu::set_fixed(0, &Region { base: facts::FLASH_BASE, size: facts::FLASH_SIZE, access: Access::ReadExecute })
        .ok_or("flash is no MPU region")?;
    let now = clock::now_ns();
    let first = windows[0].1;
    let executive = Executive {
        partitions,
        windows,
        window: 0,
        // The first window starts a lead time from now, like every later one.
        window_start: now + SWITCH_LEAD_NS,
        window_end: now + SWITCH_LEAD_NS + first,
        window_fresh: true,
        running: None,
        frames: 1,
        frame_limit,
        lateness: Lateness::default(),
        trap_ns: 0,
        save_ns: None,
        switch_max_ns: 0,
        virq_max_ns: 0,
        virq_measured: 0,
        pending_virq: None,
        line_owner: None,
        line_owner_changes: 0,
        windows_missed: 0,
    };
    // SAFETY: no run is under way: the trap handler does not touch the executive now.
    unsafe { *EXECUTIVE.0.get() = Some(executive) };
    board::systick_for_partitions(true);
    // SAFETY: the runner's stack is used by nothing else; `begin` never returns, and `finish`
    // switches back to the context saved here.
    unsafe {
        let stack = &mut *STACK.0.get();
        let sp = Armv7m.init_stack(stack, begin, 0);
        Armv7m.switch(CALLER_SP.0.get(), sp, 0);
    }
    // Back from `finish`, with the kernel's interrupts still masked as in the trap handler, and
    // SysTick the millisecond tick again (so no PendSV comes for the partitions any more).
    Armv7m.irq_restore(true);
    // SAFETY: the run is over: the trap path no longer touches the executive.
    let executive = unsafe { (*EXECUTIVE.0.get()).take() }.ok_or("the run left no executive")?;
    Ok(executive.report())
}

/// The runner: enters the kernel through PendSV, whose trap loads the first partition. The trap
/// frame is built below this frame, which is never returned to.
extern "C" fn begin(_: usize, _token: usize) -> ! {
    wells_core::arch::armv7m::pend_kernel_entry();
    loop {
        wells_core::arch::armv7m::wait_for_interrupt();
    }
}

/// True while partitions run (the trap handler's traps are theirs).
pub(crate) fn active() -> bool {
    executive().is_some()
}

/// Every trap while partitions run: a call, a fault, or the timer (PendSV).
pub(crate) fn trap(frame: &mut TrapFrame) {
    let now = clock::now_ns();
    let Some(executive) = executive() else { return };
    executive.trap_ns = now;
    if frame.from_user() {
        executive.save(frame);
        match frame.exception {
            SVCALL => executive.call(frame),
            PENDSV => {}
            _ => {
                let why = fault_report(frame);
                executive.fault_running(why);
            }
        }
    }
    executive.schedule(frame);
}

/// A partition's fault in words, its fault status cleared for the next one.
fn fault_report(frame: &mut TrapFrame) -> String {
    let cfsr = scb::read(scb::CFSR);
    let (mmfar, bfar) = (scb::read(scb::MMFAR), scb::read(scb::BFAR));
    scb::write(scb::CFSR, cfsr);
    let stacked = cfsr & ((1 << 4) | (1 << 12)) == 0;
    // SAFETY: the CPU pushed the frame (stacking did not fault).
    let pc = if stacked { unsafe { frame.stacked().pc } } else { 0 };
    let name = match frame.exception {
        3 => "HardFault",
        4 => "MemManage fault",
        5 => "BusFault",
        6 => "UsageFault",
        _ => "exception",
    };
    let mut why = format!("{name} (CFSR=0x{cfsr:08x}");
    if cfsr & (1 << 7) != 0 {
        why += &format!(" MMFAR=0x{mmfar:08x}");
    }
    if cfsr & (1 << 15) != 0 {
        why += &format!(" BFAR=0x{bfar:08x}");
    }
    why + &format!(" PC=0x{pc:08x}{})", if stacked { "" } else { ", stacking failed" })
}

impl Partition {
    /// (Re)starts it from its image: RAM zeroed, an exception frame at its RAM's top that enters
    /// its program with (argument, restarts, RAM base, RAM end) and returns to EXIT.
    fn start(&mut self) {
        let (base, end) = self.ram;
        // SAFETY: the partition's own slot of `RAM`; it does not run while the executive is here.
        unsafe { core::ptr::write_bytes(base as *mut u8, 0, end - base) };
        let frame = ExceptionFrame {
            r0: self.spec.arg,
            r1: self.restarts,
            r2: base as u32,
            r3: end as u32,
            r12: 0,
            lr: calls::exit_trampoline() as u32,
            pc: self.spec.image as usize as u32 & !1,
            xpsr: 1 << 24,
        };
        let at = end - core::mem::size_of::<ExceptionFrame>();
        // SAFETY: as above; `at` is 8-aligned (the slot is) and inside the slot.
        unsafe { (at as *mut ExceptionFrame).write(frame) };
        self.psp = at as u32;
        self.r4_r11 = [0; 8];
        (self.state, self.waiting, self.yielded, self.handler, self.interrupted, self.tick_ns) = (State::Ready, false, false, None, None, 0);
        self.line.clear();
    }

    /// True when `[address, address + len)` is memory the partition may read itself.
    fn may_read(&self, address: usize, len: usize) -> bool {
        let in_ram = address >= self.ram.0 && address.checked_add(len).is_some_and(|end| end <= self.ram.1);
        in_ram || in_code(address, len)
    }
}

impl Executive {
    fn save(&mut self, frame: &TrapFrame) {
        if let Some(index) = self.running {
            let p = &mut self.partitions[index];
            p.psp = frame.psp;
            p.r4_r11 = frame.r4_r11;
        }
    }

    fn running(&mut self) -> Option<&mut Partition> {
        self.running.map(|index| &mut self.partitions[index])
    }

    /// A call of the running partition (ABI: `wells_core::arch::armv7m::partition`).
    fn call(&mut self, frame: &mut TrapFrame) {
        let Some(index) = self.running else { return };
        // SAFETY: an SVC was taken from the partition, so the CPU stacked its frame on its stack.
        let stacked = unsafe { frame.stacked() };
        let (number, a0, a1) = (stacked.r12, stacked.r0 as usize, stacked.r1 as usize);
        let now = clock::now_ns();
        let p = &mut self.partitions[index];
        let result: i32 = match number {
            calls::CONSOLE_WRITE if !p.spec.uart => calls::BAD_ARGUMENT,
            calls::CONSOLE_WRITE if a1 > calls::CONSOLE_MAX || !p.may_read(a0, a1) => calls::BAD_BUFFER,
            calls::CONSOLE_WRITE => {
                // SAFETY: checked above: readable memory of the partition (its RAM, or flash).
                let bytes = unsafe { core::slice::from_raw_parts(a0 as *const u8, a1) };
                self.console(index, bytes);
                0
            }
            calls::TIME_US => {
                let us = now / 1000;
                stacked.r1 = (us >> 32) as u32;
                us as i32
            }
            calls::WAIT => {
                p.waiting = true;
                0
            }
            calls::YIELD => {
                p.yielded = true;
                0
            }
            calls::EXIT => {
                p.state = State::Ended(a0 as i32);
                crate::println!("wells: partition '{}' ended (status {})", p.spec.name, a0 as i32);
                0
            }
            calls::VIRQ_HANDLER if a0 & 1 == 0 || !in_code(a0 & !1, 2) => calls::BAD_ADDRESS,
            calls::VIRQ_HANDLER => {
                p.handler = Some((a0 as u32, a1 as u32));
                0
            }
            calls::VIRQ_RETURN => match p.interrupted.take() {
                Some((psp, r4_r11)) => {
                    // Back to the interrupted context, as it was: its frame is still on its stack.
                    (p.psp, p.r4_r11) = (psp, r4_r11);
                    return;
                }
                None => return self.fault_running(String::from("VIRQ_RETURN outside a virtual interrupt handler")),
            },
            calls::TICK_PERIOD if a0 == 0 => {
                p.tick_ns = 0;
                0
            }
            calls::TICK_PERIOD if !p.spec.gic || a0 < calls::TICK_MIN_US as usize || a0 > 1_000_000 => calls::BAD_ARGUMENT,
            calls::TICK_PERIOD => {
                p.tick_ns = a0 as u64 * 1000;
                p.next_tick_ns = now + p.tick_ns;
                0
            }
            other => return self.fault_running(format!("bad call number {other}")),
        };
        stacked.r0 = result as u32;
    }

    /// Console bytes of partition `index`: whole lines printed as `[name] text`.
    fn console(&mut self, index: usize, bytes: &[u8]) {
        for &byte in bytes {
            let p = &mut self.partitions[index];
            if byte != b'\n' && p.line.len() < 160 {
                p.line.push(byte);
                continue;
            }
            let text = String::from_utf8_lossy(&p.line).into_owned();
            p.line.clear();
            p.lines += 1;
            crate::println!("[{}] {text}", p.spec.name);
            if self.line_owner.is_some_and(|owner| owner != index) {
                self.line_owner_changes += 1;
            }
            self.line_owner = Some(index);
        }
    }

    /// The running partition faulted (or made a bad call): stopped, or restarted per its spec.
    fn fault_running(&mut self, why: String) {
        let Some(p) = self.running() else { return };
        match p.spec.on_fault {
            OnFault::Restart { at_most } if p.restarts < at_most => {
                p.restarts += 1;
                crate::println!("wells: partition '{}' restarts ({}): {why}", p.spec.name, p.restarts);
                p.start();
            }
            _ => {
                crate::println!("wells: partition '{}' stopped: {why}", p.spec.name);
                p.state = State::Stopped(why);
            }
        }
    }

    fn finished(&self) -> bool {
        let all_done = self.partitions.iter().all(|p| p.state != State::Ready);
        all_done || (self.frame_limit != 0 && self.frames > self.frame_limit)
    }

    /// Decides what runs next and puts it in `frame`; idles (waiting for interrupt) as long as
    /// nothing may run.
    fn schedule(&mut self, frame: &mut TrapFrame) {
        loop {
            if self.finished() {
                self.finish();
            }
            // The first window starts a lead time after `run`, like every later one.
            while clock::now_ns() < self.window_start {}
            let now = clock::now_ns();
            if now + SWITCH_LEAD_NS >= self.window_end {
                self.next_window(now);
                continue;
            }
            let lead_end = self.window_end - SWITCH_LEAD_NS;
            let Some(index) = self.windows[self.window].0 else {
                self.idle_until(lead_end);
                continue;
            };
            let p = &mut self.partitions[index];
            if !p.runnable() {
                self.idle_until(lead_end);
                continue;
            }
            let due = p.tick_due(now) && p.handler.is_some() && p.interrupted.is_none();
            if p.waiting && !due {
                let wake = if p.tick_ns != 0 { p.next_tick_ns.min(lead_end) } else { lead_end };
                self.idle_until(wake);
                continue;
            }
            if due && !self.deliver(index, now) {
                continue;
            }
            self.load(index, frame);
            return;
        }
    }

    /// Ends the window (the running partition, already saved, loses its region), prepares the
    /// next one — its partition's due virtual interrupt is delivered now, ahead of the boundary —
    /// then waits for the exact boundary. What follows, up to the partition's first instruction,
    /// is the same path whatever came before: that keeps window starts regular.
    ///
    /// Windows the clock has already run past are skipped in this one step and counted in
    /// [`Report::windows_missed`]: a partition never gets a window late, and catching up costs
    /// one pass however far behind the executive is. Stepping through them one by one, each
    /// with its MPU reload, never caught up when QEMU ran in real time on a busy host.
    fn next_window(&mut self, now: u64) {
        if self.running.take().is_some() {
            // A partition preempted at its window's end: the save half of a switch.
            self.save_ns = Some(now.saturating_sub(self.trap_ns));
        }
        mpu::activate(0);
        let mut boundary = self.window_end;
        loop {
            self.window += 1;
            if self.window == self.windows.len() {
                self.window = 0;
                self.frames += 1;
            }
            let end = boundary + self.windows[self.window].1;
            if now + SWITCH_LEAD_NS < end {
                break;
            }
            boundary = end;
            self.windows_missed += 1;
        }
        self.window_start = boundary;
        self.window_end = boundary + self.windows[self.window].1;
        self.window_fresh = true;
        if let Some(index) = self.windows[self.window].0 {
            let p = &mut self.partitions[index];
            p.yielded = false;
            if p.runnable() && p.tick_due(boundary) && p.handler.is_some() && p.interrupted.is_none() {
                self.deliver(index, boundary);
            }
            let p = &self.partitions[index];
            if p.runnable() && !p.waiting {
                // It will run from the boundary: its region now, the registers after.
                mpu::activate(&p.regions as *const RegionSet as usize);
                self.running = Some(index);
            }
        }
        while clock::now_ns() < boundary {}
    }

    /// Nothing may run until `deadline` (or an interrupt): wait for SysTick.
    fn idle_until(&mut self, deadline: u64) {
        if self.running.take().is_some() {
            mpu::activate(0);
        }
        self.save_ns = None;
        if clock::now_ns() >= deadline {
            return;
        }
        if deadline - clock::now_ns() > IDLE_POLL_NS {
            board::systick_at(deadline - IDLE_POLL_NS);
            wells_core::arch::armv7m::wait_for_interrupt();
        }
        while clock::now_ns() < deadline {}
    }

    /// Delivers the due virtual timer tick to partition `index`: a frame below its interrupted
    /// one enters its handler, which returns through VIRQ_RETURN. False when it faulted instead.
    fn deliver(&mut self, index: usize, now: u64) -> bool {
        let window_start = self.window_start;
        let p = &mut self.partitions[index];
        let Some((handler, word)) = p.handler else { return true };
        // Ticks due so far: counted, not divided (a 64-bit division is a slow library loop,
        // and mostly one tick is due).
        let due = p.next_tick_ns;
        let mut count = 0u32;
        if now - p.next_tick_ns > 8 * p.tick_ns {
            // Long away (a long frame): divide, once.
            let skipped = (now - p.next_tick_ns) / p.tick_ns;
            p.next_tick_ns += skipped * p.tick_ns;
            count = skipped as u32;
        }
        while p.next_tick_ns <= now {
            p.next_tick_ns += p.tick_ns;
            count += 1;
        }
        let size = core::mem::size_of::<ExceptionFrame>() as u32;
        // The handler's frame, and a word of padding that keeps its stack 8-aligned.
        let at = p.psp.wrapping_sub(size + 8);
        if (at as usize) < p.ram.0 || p.psp as usize > p.ram.1 {
            let why = format!("no room on its stack for a virtual interrupt (sp 0x{:08x})", p.psp);
            self.running = Some(index);
            self.fault_running(why);
            self.running = None;
            return false;
        }
        let frame = ExceptionFrame {
            r0: calls::VIRQ_TIMER,
            r1: count,
            r2: word,
            r3: 0,
            r12: 0,
            lr: calls::virq_trampoline() as u32,
            pc: handler & !1,
            xpsr: 1 << 24,
        };
        // SAFETY: inside the partition's RAM (checked above), which it does not run in now.
        unsafe { (at as usize as *mut ExceptionFrame).write(frame) };
        p.interrupted = Some((p.psp, p.r4_r11));
        p.psp = at;
        p.waiting = false;
        p.virtual_interrupts += 1;
        if due >= window_start {
            // Came due while the partition had the CPU: measured at its load.
            self.pending_virq = Some(due);
        }
        true
    }

    /// Puts partition `index` in the trap frame, its region in the MPU, and the timer at its next
    /// event.
    fn load(&mut self, index: usize, frame: &mut TrapFrame) {
        let p = &mut self.partitions[index];
        frame.psp = p.psp;
        frame.r4_r11 = p.r4_r11;
        frame.control |= 1;
        if self.running != Some(index) {
            mpu::activate(&p.regions as *const RegionSet as usize);
        }
        self.running = Some(index);
        let mut deadline = self.window_end - SWITCH_LEAD_NS;
        // A tick that comes due in its handler waits for the handler's end (VIRQ_RETURN): no
        // timer for it now, or the timer would take the CPU back at once, again and again.
        if p.tick_ns != 0 && p.handler.is_some() && p.interrupted.is_none() {
            deadline = deadline.min(p.next_tick_ns);
        }
        // A PendSV pended while the kernel ran is answered by this very decision.
        scb::write(scb::ICSR, 1 << 27);
        board::systick_at(deadline);
        let now = clock::now_ns();
        if let Some(due) = self.pending_virq.take() {
            self.virq_max_ns = self.virq_max_ns.max(now - due);
            self.virq_measured += 1;
        }
        if self.window_fresh {
            self.window_fresh = false;
            p.windows += 1;
            self.lateness.record(now - self.window_start);
            if let Some(save) = self.save_ns.take() {
                self.switch_max_ns = self.switch_max_ns.max(save + now - self.window_start);
            }
        }
    }

    /// The run is over: back to `run`'s caller.
    fn finish(&mut self) -> ! {
        self.running = None;
        mpu::activate(0);
        board::systick_for_partitions(false);
        // No PendSV of the partitions' timer may reach the caller.
        scb::write(scb::ICSR, 1 << 27);
        let mut dead = 0;
        // SAFETY: `run` saved its context in CALLER_SP with the switch it made to the runner;
        // this trap's context (on the runner's stack) is abandoned.
        unsafe { Armv7m.switch(&mut dead, *CALLER_SP.0.get(), 0) };
        unreachable!("a finished run was resumed");
    }

    fn report(self) -> Report {
        Report {
            partitions: self
                .partitions
                .iter()
                .map(|p| Outcome {
                    name: p.spec.name,
                    state: p.state.clone(),
                    restarts: p.restarts,
                    windows: p.windows,
                    virtual_interrupts: p.virtual_interrupts,
                    lines: p.lines,
                })
                .collect(),
            frames: self.frames,
            lateness: self.lateness,
            line_owner_changes: self.line_owner_changes,
            switch_max_ns: self.switch_max_ns,
            virq_max_ns: self.virq_max_ns,
            virq_measured: self.virq_measured,
            windows_missed: self.windows_missed,
        }
    }
}
