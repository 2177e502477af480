//! The partitions' cyclic schedule (ARINC 653 style): a major frame of fixed windows, one per
//! partition in the order of the description, then idle time up to the frame's end. Window
//! boundaries are absolute counter values (start of the window + its length, never "now +
//! length"), so lateness never accumulates. The HYP timer (CNTHP) fires a short lead time
//! ([`SWITCH_LEAD_US`]) before each boundary: the running partition's state is saved and its
//! EL2 MPU region disabled, then the hypervisor waits for the exact boundary and only then loads
//! the next partition (its EL1 registers, the enable mask of its region plus the hypervisor's
//! own). Whatever came before — a preempted spinner, an idle window, a partition that ended —
//! the path from the boundary to the next partition's first instruction is the same, which is
//! what keeps the jitter of window starts small. A partition that is stopped, ended or waiting
//! (WFI) leaves the CPU idle until its window ends: no partition ever gets another's time.
//!
//! Everything here runs in HYP mode with interrupts masked, in the hypervisor's trap handler on
//! the trap stack (or once on the runner's stack before the first window), on one CPU.

use super::board::Out;
use super::{elf, layout};
use super::spec::{OnFault, PartitionSpec};
pub use wells_board_common::window_lateness::Lateness;
use super::vgic::VirtualGic;
use super::vuart::VirtualUart;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt::Write;
use wells_board_common::hypervisor::loader;
use wells_board_common::supervisor::mpu_loader;
use wells_core::arch::arm::Armv7a;
use wells_core::arch::armv8r::el2::guest::{self, GuestContext};
use wells_core::arch::armv8r::el2::vgic::{self, VirtualCpuInterface};
use wells_core::arch::armv8r::el2::{self, mpu, HypFrame};
use wells_core::arch::Arch;

/// The shortest window.
const MIN_WINDOW_US: u64 = 10;

/// How long before a window's end the running partition is stopped and saved (its window is this
/// much shorter): more than the longest save path.
pub const SWITCH_LEAD_US: u64 = 2;

/// What a partition's exit asks for.
pub(crate) enum Exit {
    /// Goes on with this in r0.
    Result(u32),
    /// Goes on as it is.
    Resume,
    /// Waits for an interrupt: nothing to do until its next window.
    Wait,
    /// Ends with this status.
    PowerOff(u32),
    /// Starts again from its image.
    Reset,
    /// Stopped or restarted per its description, for this reason.
    Fault(String),
}

/// Where a partition is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Ready,
    /// Stopped after a fault: why.
    Stopped(String),
    /// Powered off with this status.
    Ended(u32),
}

/// One partition's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: &'static str,
    pub state: State,
    pub restarts: u32,
    /// Windows in which it ran.
    pub windows: u32,
    /// Virtual interrupts put in its list registers (one listed and not yet ended by the guest
    /// is not put again: this counts ones it took and ended, plus at most the 4 listed).
    pub virtual_interrupts: u32,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    pub partitions: Vec<Outcome>,
    /// Major frames begun.
    pub frames: u32,
    pub lateness: Lateness,
}

/// The devices a partition sees, emulated.
pub(crate) struct Devices {
    pub uart: VirtualUart,
    pub gic: VirtualGic,
}

struct Partition {
    spec: PartitionSpec,
    ram: (usize, usize),
    state: State,
    restarts: u32,
    frame: HypFrame,
    el1: GuestContext,
    cpu_interface: VirtualCpuInterface,
    devices: Devices,
    windows: u32,
    virtual_interrupts: u32,
}

struct Executive {
    partitions: Vec<Partition>,
    /// (partition, length in counter ticks); `None`: the idle rest of the frame.
    windows: Vec<(Option<usize>, u64)>,
    /// The current window.
    window: usize,
    /// The partition whose registers the CPU (and the trap frame) hold.
    running: Option<usize>,
    /// Counter value at which the current window ends.
    boundary: u64,
    frames: u32,
    frame_limit: u32,
    lateness: Lateness,
    ns_per_tick: u64,
    /// [`SWITCH_LEAD_US`] in counter ticks.
    lead: u64,
    runner_sp: usize,
}

/// The executive of the current run: touched only with interrupts masked on the one CPU.
struct Global(UnsafeCell<Option<Executive>>);

// SAFETY: one CPU, and every access is made in HYP mode with interrupts masked (see
// `executive`), so no two accesses overlap.
unsafe impl Sync for Global {}

static EXECUTIVE: Global = Global(UnsafeCell::new(None));

/// The running executive.
#[allow(clippy::mut_from_ref)]
fn executive() -> &'static mut Executive {
    // SAFETY: HYP mode with interrupts masked on one CPU: the trap handler and the runner never
    // run at once, and neither keeps the reference across a switch to the other.
    unsafe { (*EXECUTIVE.0.get()).as_mut().expect("a trap from a partition outside a run") }
}

/// The stack the hypervisor's traps run on while partitions run; its top holds the trap frame.
#[repr(C, align(16))]
struct TrapStack(UnsafeCell<[u8; TRAP_STACK]>);

const TRAP_STACK: usize = 32 * 1024;

// SAFETY: used only by the trap path of the current run, on one CPU.
unsafe impl Sync for TrapStack {}

static STACK: TrapStack = TrapStack(UnsafeCell::new([0; TRAP_STACK]));

/// The trap frame's place: the stack's top 64 bytes.
fn frame_slot() -> *mut HypFrame {
    (STACK.0.get() as usize + TRAP_STACK - core::mem::size_of::<HypFrame>()) as *mut HypFrame
}

/// Runs `specs` as partitions with their windows in a major frame of `major_frame_us`, for at
/// most `frame_limit` frames or until every partition has ended or stopped. An error names a
/// description or image that cannot run.
pub fn run(specs: &[PartitionSpec], major_frame_us: u64, frame_limit: u32) -> Result<Report, String> {
    if specs.is_empty() || specs.len() > layout::MAX_PARTITIONS {
        return Err(format!("{} partitions: 1 to {} can run", specs.len(), layout::MAX_PARTITIONS));
    }
    let used: u64 = specs.iter().map(|s| s.window_us).sum();
    if specs.iter().any(|s| s.window_us < MIN_WINDOW_US) || used > major_frame_us {
        return Err(format!("windows of {used} us do not fit a major frame of {major_frame_us} us (each needs at least {MIN_WINDOW_US} us)"));
    }
    let (_, frequency) = el2::counter();
    let ticks = |us: u64| us * frequency / 1_000_000;
    let mut windows: Vec<(Option<usize>, u64)> = specs.iter().enumerate().map(|(i, s)| (Some(i), ticks(s.window_us))).collect();
    if used < major_frame_us {
        windows.push((None, ticks(major_frame_us - used)));
    }
    let rams = layout::partition_ram(specs.iter().map(|s| (elf::fixed_base(s.image), s.ram_size)))?;
    let mut partitions = Vec::new();
    for (index, (spec, ram)) in specs.iter().zip(rams).enumerate() {
        layout::write_partition_region(index, ram);
        let mut partition = Partition {
            spec: spec.clone(),
            ram,
            state: State::Ready,
            restarts: 0,
            frame: guest::first_frame(0, [0; 4]),
            el1: GuestContext::reset(),
            cpu_interface: VirtualCpuInterface::reset(),
            devices: Devices { uart: VirtualUart::new(), gic: VirtualGic::new() },
            windows: 0,
            virtual_interrupts: 0,
        };
        partition.load().map_err(|e| format!("partition '{}': {e}", spec.name))?;
        partitions.push(partition);
    }
    let last = windows.len() - 1;
    let prepared = Executive {
        partitions,
        windows,
        window: last,
        running: None,
        boundary: el2::counter().0,
        frames: 0,
        frame_limit,
        lateness: Lateness::default(),
        ns_per_tick: 1_000_000_000 / frequency,
        lead: ticks(SWITCH_LEAD_US),
        runner_sp: 0,
    };
    // SAFETY: no run is under way (the trap path touches the executive only while partitions
    // run, which starts below).
    unsafe { *EXECUTIVE.0.get() = Some(prepared) };
    // The first window starts on the trap stack below the frame's place; the run comes back here
    // through `finish`.
    // SAFETY: the trap stack is used by nothing else; below its top 64 bytes it is the new
    // context's stack, `begin` never returns.
    unsafe {
        let stack = core::slice::from_raw_parts_mut(STACK.0.get() as *mut u8, TRAP_STACK - core::mem::size_of::<HypFrame>());
        let sp = Armv7a.init_stack(stack, begin, 0);
        let runner_sp = &raw mut executive().runner_sp;
        Armv7a.switch(runner_sp, sp, 0);
    }
    // SAFETY: the run is over: the trap path no longer touches the executive.
    let ended = unsafe { (*EXECUTIVE.0.get()).take().expect("the run's executive") };
    Ok(Report {
        partitions: ended
            .partitions
            .iter()
            .map(|p| Outcome {
                name: p.spec.name,
                state: p.state.clone(),
                restarts: p.restarts,
                windows: p.windows,
                virtual_interrupts: p.virtual_interrupts,
            })
            .collect(),
        frames: ended.frames,
        lateness: ended.lateness,
    })
}

/// The first window: on the trap stack, into the first partition.
extern "C" fn begin(_: usize, _token: usize) -> ! {
    let frame = frame_slot();
    // SAFETY: the frame's place is the trap stack's top, which nothing else uses; `enter` makes
    // it the stack pointer traps push their frames at.
    unsafe {
        frame.write(guest::first_frame(0, [0; 4]));
        let executive = executive();
        // The first frame starts now.
        executive.boundary = el2::counter().0;
        executive.next_window(&mut *frame);
        guest::enter(frame)
    }
}

/// An interrupt while a partition ran: the window's end, or the running partition's virtual
/// timer, which goes to it as a virtual interrupt when its GIC lets it through. Its timer is
/// masked first (CNTV_CTL.IMASK: the line drops, the guest unmasks it when it programs the timer
/// again, as timer drivers do); a timer interrupt its GIC does not let through is dropped.
pub(crate) fn interrupt(frame: &mut HypFrame) {
    let id = crate::board::acknowledge();
    if id >= 1020 {
        return;
    }
    if id == super::board::HYP_TIMER {
        el2::hyp_timer_cancel();
    } else if id == super::board::GUEST_TIMER {
        guest::mask_live_timer();
    }
    crate::board::end(id);
    let executive = executive();
    if id == super::board::HYP_TIMER {
        executive.save(frame);
        executive.next_window(frame);
    } else if let Some(index) = executive.running.filter(|_| id == super::board::GUEST_TIMER) {
        let partition = &mut executive.partitions[index];
        if let Some(priority) = partition.devices.gic.deliverable(id) {
            if vgic::inject(id, priority) {
                partition.virtual_interrupts += 1;
            }
        }
    }
}

/// A partition's synchronous exit, decoded into `exit` by the trap handler.
pub(crate) fn exit(frame: &mut HypFrame, exit: Exit) {
    let executive = executive();
    let index = executive.running.expect("an exit from a partition that is not running");
    match exit {
        Exit::Result(value) => frame.r[0] = value,
        Exit::Resume => {}
        Exit::Wait => executive.wait_for_interrupt(),
        Exit::PowerOff(status) => {
            let partition = &mut executive.partitions[index];
            partition.devices.uart.flush(partition.spec.name);
            let _ = writeln!(Out, "wells: partition '{}' powered off (status {status})", partition.spec.name);
            partition.state = State::Ended(status);
            executive.idle_rest_of_window(frame);
        }
        Exit::Reset => executive.restart(index, frame),
        Exit::Fault(why) => {
            let partition = &mut executive.partitions[index];
            partition.devices.uart.flush(partition.spec.name);
            let may_restart = matches!(partition.spec.on_fault, OnFault::Restart { at_most } if partition.restarts < at_most);
            if may_restart {
                let _ = writeln!(Out, "wells: partition '{}' restarts ({}): {why}", partition.spec.name, partition.restarts + 1);
                executive.restart(index, frame);
            } else {
                let _ = writeln!(Out, "wells: partition '{}' stopped: {why}", partition.spec.name);
                partition.state = State::Stopped(why);
                executive.idle_rest_of_window(frame);
            }
        }
    }
}

/// The running partition's description, RAM and devices (for the trap handler's decoding).
pub(crate) fn with_running<R>(f: impl FnOnce(&PartitionSpec, (usize, usize), &mut Devices) -> R) -> R {
    let executive = executive();
    let partition = &mut executive.partitions[executive.running.expect("a partition runs")];
    f(&partition.spec, partition.ram, &mut partition.devices)
}

impl Partition {
    /// Copies and relocates the image into the partition's RAM and resets its registers: r0 its
    /// argument, r1 its restarts, r2/r3 its RAM's bounds.
    fn load(&mut self) -> Result<(), String> {
        let (start, end) = self.ram;
        // SAFETY: the partition's RAM is its own (layout::partition_ram) and no guest runs in it
        // now; EL2 reaches it through the background map or its region.
        let room = unsafe { core::slice::from_raw_parts_mut(start as *mut u8, end - start) };
        // An image linked at its address is copied there; a position-independent one is
        // relocated to wherever its RAM is.
        let entry = if elf::fixed_base(self.spec.image).is_some() {
            room.fill(0);
            loader::load_elf(self.spec.image, room, start)? as usize
        } else {
            start + mpu_loader::load(self.spec.image, room)?.entry
        };
        let args = [self.spec.arg, self.restarts, start as u32, end as u32];
        self.frame = guest::first_frame(entry as u32, args);
        self.el1 = GuestContext::reset();
        self.cpu_interface = VirtualCpuInterface::reset();
        self.devices.gic = VirtualGic::new();
        Ok(())
    }
}

impl Executive {
    /// Saves the running partition's registers (from the CPU and `frame`) and disables its region.
    fn save(&mut self, frame: &HypFrame) {
        if let Some(index) = self.running.take() {
            let partition = &mut self.partitions[index];
            partition.frame = frame.clone();
            partition.el1.save();
            partition.cpu_interface.save();
        }
        mpu::set_enabled(layout::HYPERVISOR_MASK);
    }

    /// Starts the next window (and the next frame, after the last window): loads its partition
    /// into the CPU and `frame`, or idles through it; ends the run when it is over.
    fn next_window(&mut self, frame: &mut HypFrame) {
        loop {
            self.window = (self.window + 1) % self.windows.len();
            let over = self.partitions.iter().all(|p| p.state != State::Ready);
            if over || (self.window == 0 && self.frames == self.frame_limit) {
                self.finish();
            }
            if self.window == 0 {
                self.frames += 1;
            }
            let (owner, length) = self.windows[self.window];
            let start = self.boundary;
            self.boundary = start + length;
            // The outgoing partition is saved: wait for the window's exact start.
            while el2::counter().0 < start {}
            el2::hyp_timer_arm(self.boundary - self.lead);
            if let Some(index) = owner.filter(|&i| self.partitions[i].state == State::Ready) {
                let partition = &mut self.partitions[index];
                partition.el1.restore();
                partition.cpu_interface.restore();
                mpu::set_enabled(layout::running_mask(index));
                *frame = partition.frame.clone();
                partition.windows += 1;
                self.running = Some(index);
                let late = el2::counter().0.saturating_sub(start);
                self.lateness.record(late * self.ns_per_tick);
                return;
            }
            self.wait_for_boundary();
        }
    }

    /// The running partition has nothing to do until its window ends: the CPU idles until then,
    /// then the next window starts.
    fn idle_rest_of_window(&mut self, frame: &mut HypFrame) {
        self.save(frame);
        self.wait_for_boundary();
        self.next_window(frame);
    }

    /// The running partition waits for an interrupt (WFI): unless one is already listed for it,
    /// the CPU waits with its registers loaded, so that its virtual timer or the window's end
    /// (whichever comes first) wakes it; that interrupt is taken as soon as the guest resumes.
    fn wait_for_interrupt(&self) {
        if !vgic::pending() {
            wells_core::arch::arm::wait_for_interrupt();
        }
    }

    /// Waits (WFI, interrupts masked: a pending one still wakes the CPU) for the HYP timer, the
    /// lead time before the window's end.
    fn wait_for_boundary(&self) {
        while !el2::hyp_timer_fired() {
            wells_core::arch::arm::wait_for_interrupt();
        }
        el2::hyp_timer_cancel();
        let id = crate::board::acknowledge();
        if id < 1020 {
            crate::board::end(id);
        }
    }

    /// Starts partition `index` again from its image, in its current window.
    fn restart(&mut self, index: usize, frame: &mut HypFrame) {
        let partition = &mut self.partitions[index];
        partition.restarts += 1;
        match partition.load() {
            Ok(()) => {
                partition.el1.restore();
                partition.cpu_interface.restore();
                *frame = partition.frame.clone();
            }
            Err(e) => {
                let _ = writeln!(Out, "wells: partition '{}' stopped: cannot reload its image: {e}", partition.spec.name);
                partition.state = State::Stopped(e);
                self.idle_rest_of_window(frame);
            }
        }
    }

    /// Ends the run: back to the runner, which reads the outcome.
    fn finish(&mut self) -> ! {
        el2::hyp_timer_cancel();
        mpu::set_enabled(layout::HYPERVISOR_MASK);
        for partition in &mut self.partitions {
            partition.devices.uart.flush(partition.spec.name);
        }
        let mut abandoned = 0usize;
        // SAFETY: the runner's context was saved by `run`'s switch; this trap-stack context is
        // never resumed (the next run starts a fresh one).
        unsafe { Armv7a.switch(&mut abandoned, self.runner_sp, 0) };
        unreachable!("a finished run resumed");
    }
}
