//! The kernel's state behind its one lock (always used with interrupts masked): the object
//! table, and the parts that own the rest — the scheduler (`scheduler.rs`), the clock
//! (`clock.rs`) and the domains with their budgets (`domains.rs`). The operations that need
//! several parts at once are `impl State` blocks next to the part whose decision they make:
//! placing and switching in `scheduler.rs`, waking and ending threads in `threads.rs`, priority
//! inheritance in `mutexes.rs`, commit and abort in `transactions.rs`, budgets in
//! `domains.rs`, due deadlines and arming the timer in `clock.rs`. Nothing here switches stacks:
//! it only says what to switch to.

use super::clock::Clock;
use super::domains::Domains;
use super::objects::Object;
use super::scheduler::Scheduler;
use crate::handle::{Handle, Kind, ObjectTable};
use crate::sched::Policy;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::mem::ManuallyDrop;

/// Most objects one kernel holds.
pub const MAX_OBJECTS: usize = 16384;

/// The thread `handle` in `objects` (a free function, so a part of the state can be borrowed
/// beside it). For the handles the kernel keeps itself (the running thread, the queued ones,
/// a waiter): the slot's generation is compared and its object must be a thread, but the
/// handle's own kind bits are not looked at (a user's handle goes through `State::thread`).
#[inline]
pub(super) fn thread_in(objects: &mut ObjectTable<Object>, handle: Handle) -> Option<&mut crate::thread::Thread> {
    match objects.get_any_mut(handle) {
        Some(Object::Thread(thread)) => Some(thread),
        _ => None,
    }
}

/// A switch the scheduler decided on (a message to the arch glue, not state).
pub struct Switch {
    /// Where the current context's stack pointer goes.
    pub(crate) save: *mut usize,
    /// The stack pointer of the context to resume.
    pub(crate) resume: usize,
    /// The address space to make current first, when the domain changes.
    pub(crate) space: Option<usize>,
}

/// Everything the kernel knows, behind one lock. Each part keeps its own fields private; the
/// kernel's modules reach the parts, and the parts say what may be done with them.
pub struct State {
    /// Every kernel object (typed access in `objects.rs`). Freed by `State`'s own `drop`, not
    /// by the drop glue of the generic `Kernel<A>` that holds it: that glue is made in the
    /// crate that names `A`, and would carry a second copy of every object kind's drop code.
    pub(super) objects: ManuallyDrop<ObjectTable<Object>>,
    /// Who runs: current thread, run queues (the policy), slices, switches.
    pub(super) sched: Scheduler,
    /// Deadlines, the kernel's reading of the time and the host timer.
    pub(super) clock: Clock,
    /// Protection domains, their CPU budgets and the active address space.
    pub(super) domains: Domains,
    /// Events for tools and advisors.
    pub(super) telemetry: crate::telemetry::Ring,
    /// Threads with a pending fate (restart or stop) to carry out at the end of the call.
    fates: Vec<Handle>,
    /// The static configuration's bounds, once reserved: new objects get their queues sized
    /// from them.
    bounds: Option<super::StaticBounds>,
}

impl State {
    /// A thread the kernel names itself (the running one, a waiter, a queued one), looked up
    /// as [`thread_in`] does; a handle from a caller goes through `State::thread_mut`.
    #[inline]
    pub(super) fn own_thread_mut(&mut self, handle: Handle) -> Option<&mut crate::thread::Thread> {
        thread_in(&mut self.objects, handle)
    }

    pub fn new(policy: Box<dyn Policy>) -> State {
        State {
            objects: ManuallyDrop::new(ObjectTable::new(MAX_OBJECTS)),
            sched: Scheduler::new(policy),
            clock: Clock::default(),
            domains: Domains::new(),
            telemetry: crate::telemetry::Ring::default(),
            fates: Vec::new(),
            bounds: None,
        }
    }

    /// The static configuration's bounds, if reserved.
    #[inline]
    pub(super) fn bounds(&self) -> Option<&super::StaticBounds> {
        self.bounds.as_ref()
    }

    /// Records the static configuration's bounds (once, by `Kernel::reserve`).
    pub(super) fn set_bounds(&mut self, bounds: super::StaticBounds) {
        self.bounds = Some(bounds);
    }

    /// `thread` has a fate (its `pending_fate`) to carry out at the end of the call.
    pub(super) fn push_fate(&mut self, thread: Handle) {
        self.fates.push(thread);
    }

    /// The fate of `thread` waits (it is on another CPU): kept pending, and the CPU running it
    /// is sent the reschedule interrupt, whose kernel exit carries it out there.
    pub(super) fn defer_fate(&mut self, thread: Handle) {
        self.fates.push(thread);
        if let Some(cpu) = self.sched.cpu_running(thread) {
            self.kick(cpu);
        }
    }

    /// Several CPUs: `thread`, on another CPU, is to end or start over (`fate`; a `Stop`
    /// already pending stays). Its fate waits, the CPU running it is kicked and carries it
    /// out at the kernel exit of that interrupt; one that was left by a CPU and is not saved
    /// yet is carried out once that CPU let it go (`State::after_switch`).
    pub(super) fn fate_elsewhere(&mut self, thread: Handle, fate: crate::thread::Fate) {
        let Ok(t) = self.thread_mut(thread) else { return };
        if !matches!(t.pending_fate, Some(crate::thread::Fate::Stop(_))) {
            t.pending_fate = Some(fate);
        }
        self.defer_fate(thread);
    }

    /// True when fates wait to be carried out.
    #[inline]
    pub(super) fn has_fates(&self) -> bool {
        !self.fates.is_empty()
    }

    /// The pending fates, handed over to be carried out.
    pub(super) fn take_fates(&mut self) -> Vec<Handle> {
        core::mem::take(&mut self.fates)
    }

    /// Takes object `handle` of `kind` out of the table and frees it (here, in the core, for
    /// the reason given at [`State::objects`]).
    pub(super) fn free_object(&mut self, handle: Handle, kind: Kind) -> crate::error::Result<()> {
        self.objects.remove(handle, kind).map(drop)
    }

    /// Handles of live threads.
    pub fn thread_handles(&self) -> impl Iterator<Item = Handle> + '_ {
        self.objects.handles(Kind::Thread)
    }
}

impl Drop for State {
    /// Frees every object (the table is left empty, holding no memory).
    fn drop(&mut self) {
        drop(core::mem::replace(&mut *self.objects, ObjectTable::new(0)));
    }
}
