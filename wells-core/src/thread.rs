//! Threads: the Exec of the kernel domain, with their own stacks and statistics.

use crate::domain::Exec;
use crate::handle::Handle;
use crate::mem::Stack;
use crate::sched::{Placement, SchedClass};
use crate::wait::WaitQueue;
use alloc::boxed::Box;
use alloc::vec::Vec;

/// Longest thread name kept, in bytes (longer names are cut).
pub const NAME_LEN: usize = 31;

/// What a thread runs: called once on the thread's stack; its return value is the exit code.
/// It stays owned by the thread control block while it runs, so a thread that exits from
/// inside it (never returning) leaks nothing of the kernel's.
pub type Entry = Box<dyn FnMut() -> i32 + Send>;

/// Where a thread is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ThreadState {
    /// Created, not started yet.
    Created = 0,
    /// Runnable, waiting for the CPU.
    Ready = 1,
    /// On the CPU.
    Running = 2,
    /// Waiting on an object (mutex, semaphore, event, port, join).
    Blocked = 3,
    /// Sleeping until a time.
    Sleeping = 4,
    /// Stopped by `suspend` until `resume`.
    Suspended = 5,
    /// Exited; its exit code waits for `join`.
    Exited = 6,
    /// Runnable, but its domain used its CPU budget for this period: it waits for the next.
    Throttled = 7,
}

/// A snapshot of one thread for tools and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadStats {
    pub name: [u8; NAME_LEN + 1],
    pub state: ThreadState,
    pub base_priority: u8,
    /// Effective priority (raised by priority inheritance).
    pub priority: u8,
    pub run_time_ns: u64,
    /// How many times the thread was switched onto the CPU.
    pub switches: u64,
    pub exit_code: i32,
    /// Time spent runnable but not running.
    pub wait_time_ns: u64,
    pub deadline_misses: u32,
    /// Transactions of it that aborted on a conflict / for any reason.
    pub conflicts: u32,
    pub aborts: u32,
}

impl ThreadStats {
    /// The name as text.
    pub fn name_str(&self) -> &str {
        name_text(&self.name)
    }
}

/// A stored name (zero-padded) as text: up to its first zero byte, "?" if that is not UTF-8.
fn name_text(name: &[u8; NAME_LEN + 1]) -> &str {
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    core::str::from_utf8(&name[..len]).unwrap_or("?")
}

/// A thread's name in a message (`{}`), made into text only when the message is formatted: a
/// panic message that is never printed (panic = immediate abort) then costs no code.
pub struct ThreadName<'a>(&'a [u8; NAME_LEN + 1]);

impl core::fmt::Display for ThreadName<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(name_text(self.0))
    }
}

/// How a blocked thread was woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeReason {
    /// The thing waited for happened (or a sleep ended).
    Done,
    /// The deadline passed.
    TimedOut,
    /// The object was destroyed.
    Destroyed,
    /// A mutex was handed over after its owner exited holding it.
    OwnerDied,
}

/// Which queue of an object a thread waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitSlot {
    /// The object's only queue (mutex, semaphore, event, joiners of a thread).
    Main,
    /// A port's queue of blocked senders.
    PortSenders,
    /// A port's queue of blocked receivers.
    PortReceivers,
    /// The same queue, for a thread in `port_call` or `port_reply_wait` that waits by the IPC
    /// fast path: a short message may be handed straight to it ([`Thread::handed`]). Any
    /// other wake-up clears `waiting_on`, so only a thread still waiting this way is handed one.
    PortAnswer,
}

/// What a transaction's abort decided for a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Start over from its entry.
    Restart,
    /// End with this exit code.
    Stop(i32),
}

/// A thread control block.
pub struct Thread {
    pub name: [u8; NAME_LEN + 1],
    pub exec: Exec,
    pub base_priority: u8,
    pub priority: u8,
    pub state: ThreadState,
    /// A suspend asked for while blocked takes effect when the wait ends.
    pub suspend_pending: bool,
    /// Held back by a decision-set defer action; its next queueing is not a new release.
    pub deferred: bool,
    pub stack: Option<Stack>,
    pub saved_sp: usize,
    /// The CPUs it may run on, bit n for CPU n (`Kernel::thread_set_affinity`); every CPU
    /// of the kernel ([`crate::kernel::percpu::ALL_CPUS`]) unless set.
    pub cpus: u32,
    pub entry: Option<Entry>,
    pub exit_code: i32,
    /// The object and queue the thread is blocked in.
    pub waiting_on: Option<(Handle, WaitSlot)>,
    /// Its entry in the kernel's timeline while a timed wait runs.
    pub timeout_key: Option<crate::kernel::timeline::TimelineKey>,
    pub wake_reason: Option<WakeReason>,
    /// A short message the IPC fast path handed to it while it waited in `PortAnswer`.
    pub handed: crate::ipc::Handed,
    /// Mutexes this thread holds (for priority inheritance and owner-died hand-over).
    pub owned_mutexes: Vec<Handle>,
    /// Transactions it is a member of (they abort if it ends without voting commit).
    pub transactions: Vec<Handle>,
    /// Scheduling class (what decision sets match on).
    pub class: SchedClass,
    /// Deadline relative to each release (start or wake-up), if it has one.
    pub relative_deadline_ns: Option<u64>,
    /// Absolute deadline of the current release.
    pub deadline_at: Option<u64>,
    /// Transactions of it that aborted on a conflict.
    pub conflicts: u32,
    /// Where the policy placed it the last time it became runnable.
    pub placement: Placement,
    /// A transaction it belongs to aborted with the restart (or stop) policy: it starts over
    /// from its entry (or ends) at the end of the current kernel call.
    pub pending_fate: Option<Fate>,
    /// Time spent runnable but not running.
    pub wait_time_ns: u64,
    /// What was left of its time slice when it was preempted (0: a fresh slice next time).
    pub slice_left_ns: u64,
    /// When it last became runnable.
    pub ready_since_ns: u64,
    /// Releases that ended after their deadline.
    pub deadline_misses: u32,
    /// Transactions of it that aborted (any reason).
    pub aborts: u32,
    /// Threads waiting in `join` for this one, and (several CPUs) those waiting for it to
    /// leave the CPU it runs on (`watched`).
    pub joiners: WaitQueue,
    /// Several CPUs: a thread waits among the joiners for this one, running on another CPU,
    /// to be stopped, restarted or suspended there (`Kernel::wait_elsewhere`); that CPU wakes
    /// the joiners once it let this one go (a joiner woken so waits again).
    pub watched: bool,
    pub run_time_ns: u64,
    pub switches: u64,
    /// When it last went onto the CPU.
    pub last_start_ns: u64,
    /// When it last left the CPU.
    pub stopped_at_ns: u64,
    /// CPU share accounting: the window being measured, the run time in it, and the share of
    /// the last full window.
    pub share_window_start_ns: u64,
    pub share_window_run_ns: u64,
    pub cpu_share_pct: u8,
}

impl Thread {
    /// A thread in the `Created` state.
    pub fn new(name: &str, priority: u8, exec: Exec, stack: Stack, entry: Entry) -> Thread {
        let mut stored = [0u8; NAME_LEN + 1];
        let mut len = name.len().min(NAME_LEN);
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        stored[..len].copy_from_slice(&name.as_bytes()[..len]);
        Thread {
            name: stored,
            exec,
            base_priority: priority,
            priority,
            state: ThreadState::Created,
            suspend_pending: false,
            deferred: false,
            stack: Some(stack),
            saved_sp: 0,
            cpus: crate::kernel::percpu::ALL_CPUS,
            entry: Some(entry),
            exit_code: 0,
            waiting_on: None,
            timeout_key: None,
            wake_reason: None,
            handed: crate::ipc::Handed::default(),
            owned_mutexes: Vec::new(),
            transactions: Vec::new(),
            class: SchedClass::default(),
            relative_deadline_ns: None,
            deadline_at: None,
            conflicts: 0,
            placement: Placement { level: priority, ..Placement::default() },
            pending_fate: None,
            watched: false,
            wait_time_ns: 0,
            slice_left_ns: 0,
            ready_since_ns: 0,
            deadline_misses: 0,
            aborts: 0,
            joiners: WaitQueue::new(),
            run_time_ns: 0,
            switches: 0,
            last_start_ns: 0,
            stopped_at_ns: 0,
            share_window_start_ns: 0,
            share_window_run_ns: 0,
            cpu_share_pct: 0,
        }
    }

    /// A new release starts at `now_ns`: its deadline, if the thread has one (never without
    /// feature `deadlines`, where none can be given, so the deadline paths fold away).
    #[inline(always)]
    pub fn start_release(&mut self, now_ns: u64) {
        if cfg!(feature = "deadlines") {
            self.deadline_at = self.relative_deadline_ns.map(|d| now_ns.saturating_add(d));
        }
    }

    /// True when the current release has a deadline (never without feature `deadlines`).
    #[inline(always)]
    pub fn has_release_deadline(&self) -> bool {
        cfg!(feature = "deadlines") && self.deadline_at.is_some()
    }

    /// Closes the CPU-share window once it is `CPU_SHARE_WINDOW_NS` long. A 64-bit CPU divides
    /// in one instruction; a 32-bit one would call a division routine (see [`percent_of`]).
    #[inline]
    pub fn roll_cpu_share(&mut self, now_ns: u64) {
        let length = now_ns.saturating_sub(self.share_window_start_ns);
        if cfg!(target_pointer_width = "64") && length >= CPU_SHARE_WINDOW_NS {
            self.cpu_share_pct = (self.share_window_run_ns.saturating_mul(100) / length).min(100) as u8;
            self.share_window_start_ns = now_ns;
            self.share_window_run_ns = 0;
        } else if length >= CPU_SHARE_WINDOW_NS {
            self.close_share_window(now_ns);
        }
    }

    /// [`Thread::roll_cpu_share`] when the window is full (at most every 100 ms).
    #[cold]
    #[inline(never)]
    fn close_share_window(&mut self, now_ns: u64) {
        let length = now_ns - self.share_window_start_ns;
        self.cpu_share_pct = percent_of(self.share_window_run_ns, length);
        self.share_window_start_ns = now_ns;
        self.share_window_run_ns = 0;
    }

    /// Panics for a smashed stack canary, naming the thread. Out of line and cold: the check
    /// on every switch is one comparison, and the message is made only here.
    #[cold]
    #[inline(never)]
    pub fn stack_overflowed(&self) -> ! {
        panic!("wells: stack overflow in thread '{}'", self.name())
    }

    /// Its name, for a message.
    pub fn name(&self) -> ThreadName<'_> {
        ThreadName(&self.name)
    }

    /// A snapshot for tools.
    pub fn stats(&self, now_ns: u64) -> ThreadStats {
        let running = if self.state == ThreadState::Running { now_ns.saturating_sub(self.last_start_ns) } else { 0 };
        ThreadStats {
            name: self.name,
            state: self.state,
            base_priority: self.base_priority,
            priority: self.priority,
            run_time_ns: self.run_time_ns + running,
            switches: self.switches,
            exit_code: self.exit_code,
            wait_time_ns: self.wait_time_ns,
            deadline_misses: self.deadline_misses,
            conflicts: self.conflicts,
            aborts: self.aborts,
        }
    }
}

/// `part` as a percentage of `whole` (not 0), rounded down and at most 100: what
/// `(part.saturating_mul(100) / whole).min(100)` gives, found bit by bit with multiplications
/// (the largest `pct` below 128 with `pct * whole <= 100 * part`). A 64-bit division is a
/// library routine of some 500 bytes of flash on a 32-bit CPU; the window closes at most every
/// 100 ms, so seven steps cost nothing that matters.
fn percent_of(part: u64, whole: u64) -> u8 {
    let scaled = part.saturating_mul(100) as u128;
    let mut pct = 0u8;
    let mut bit = 64u8;
    while bit != 0 {
        if u128::from(pct | bit) * u128::from(whole) <= scaled {
            pct |= bit;
        }
        bit >>= 1;
    }
    pct.min(100)
}

/// Length of the window a thread's recent CPU share is measured over.
pub const CPU_SHARE_WINDOW_NS: u64 = 100_000_000;

/// Written at the lowest 8 bytes of every stack; a thread that overwrote it overflowed.
pub const STACK_CANARY: u64 = 0x57e1_15ca_4a12_e5ed;

#[cfg(test)]
mod tests {
    use super::percent_of;

    #[test]
    fn percent_of_is_the_divisions_answer() {
        let divided = |part: u64, whole: u64| (part.saturating_mul(100) / whole).min(100) as u8;
        let wholes = [1, 3, 7, 100, 101, 99_999_999, 100_000_000, 123_456_789, 1 << 32, u64::MAX / 127, u64::MAX / 100, u64::MAX - 1, u64::MAX];
        for whole in wholes {
            let parts = [0, 1, whole / 3, whole / 2, whole - 1, whole, whole.saturating_add(1), whole.saturating_mul(2), u64::MAX / 100, u64::MAX / 100 + 1, u64::MAX];
            for part in parts {
                assert_eq!(percent_of(part, whole), divided(part, whole), "{part} of {whole}");
            }
            for pct in 0..=101u64 {
                let part = (whole / 100).saturating_mul(pct);
                assert_eq!(percent_of(part, whole), divided(part, whole), "{part} of {whole}");
            }
        }
    }
}
