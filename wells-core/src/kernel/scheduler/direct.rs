//! The IPC fast path's side of the scheduler (`port_fast.rs`): a blocked receiver is handed
//! the CPU and the caller blocks in one switch, without queueing the receiver and picking it,
//! where the slow path (`wake`, then `block` and `schedule`) would end the same way. What the
//! slow path records is recorded here too: the wake-up's placement and new release, the
//! caller's end of release, run time and stack check, the receiver's slice and switch count,
//! the telemetry events, and (several CPUs) the thread this CPU left.

use super::super::state::{thread_in, State, Switch};
use super::super::timeline::Wakeup;
use super::MAX_CPUS;
use crate::handle::Handle;
use crate::ipc::Handed;
use crate::sched::Placement;
use crate::telemetry::EventKind;
use crate::thread::{ThreadState, WaitSlot, WakeReason, STACK_CANARY};

/// What [`State::hand_cpu_to`] did.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(in super::super) enum HandOff {
    /// Nothing: the fast path does not apply.
    Refused,
    /// The thread has the CPU next, and the message in its block ([`crate::thread::Thread::handed`]).
    MessageGiven,
    /// The thread has the CPU next; the message goes into the port for it to take.
    QueueMessage,
}

impl State {
    /// The IPC fast path: wakes `handle`, a thread blocked in a wait queue, as `wake` would with
    /// `reason`, but without queueing it: the caller's [`State::block_for_hand_off`], next in
    /// the same critical section, runs it. A thread waiting by the fast path (`PortAnswer`) is
    /// given `msg` in its block when it is short; the caller queues it in the port otherwise.
    /// Only when that is where the slow path would end too; `Refused`, with nothing changed,
    /// outside `run` or in a timer callback, with a switch or an embedder's section pending,
    /// under a policy that places threads by description or with domains on budgets (a wake-up
    /// is theirs to judge), for a thread to be suspended or deferred or one still on another
    /// CPU, or when a ready thread waits at its level or above (the queues would run that one,
    /// or it first).
    pub(in super::super) fn hand_cpu_to(&mut self, handle: Handle, reason: WakeReason, msg: &[u8]) -> HandOff {
        let cpu = self.sched.cpus.here();
        if !self.sched.running || cpu.callback_depth > 0 || cpu.held > 0 || cpu.resched.is_some() {
            return HandOff::Refused;
        }
        let Some(slice_ns) = self.sched.uniform_slice else { return HandOff::Refused };
        if self.domains.any_budgeted() {
            return HandOff::Refused;
        }
        let top = self.sched.ready.top_level();
        // Several CPUs: not one another CPU left (its context may not be saved yet), nor one
        // whose CPU set leaves this CPU out.
        let elsewhere = MAX_CPUS > 1 && self.sched.on_a_cpu(handle);
        let here = 1 << self.sched.cpus.cpu();
        let Some(thread) = thread_in(&mut self.objects, handle) else { return HandOff::Refused };
        let level = thread.priority;
        if thread.state != ThreadState::Blocked || thread.suspend_pending || thread.deferred || elsewhere || thread.cpus & here == 0 || top >= Some(level) {
            return HandOff::Refused;
        }
        let now = self.clock.now();
        let key = thread.timeout_key.take();
        // A thread waiting by the fast path takes a short message from its own block.
        let given = matches!(thread.waiting_on, Some((_, WaitSlot::PortAnswer))) && Handed::fits(msg);
        if given {
            thread.handed.give(msg);
        }
        thread.waiting_on = None;
        thread.wake_reason = Some(reason);
        thread.roll_cpu_share(now);
        thread.start_release(now);
        thread.placement = Placement { level, slice_ns, ..Default::default() };
        thread.state = ThreadState::Ready;
        thread.ready_since_ns = now;
        if let Some(key) = key {
            self.clock.remove(key);
        }
        // The placement is the classic one (rule 0): no pick to record, as `make_runnable`.
        self.telemetry.record(now, EventKind::Wake, Some(handle), level as u64);
        if given {
            HandOff::MessageGiven
        } else {
            HandOff::QueueMessage
        }
    }

    /// The caller of [`State::hand_cpu_to`] queues itself in `waiting_on` and blocks there until
    /// `deadline`, and `next`, the thread it handed the CPU to, runs: what `enqueue_waiter`,
    /// `block` and `schedule` would do, with one look-up of each thread. Returns the switch.
    /// Panics only on a broken kernel invariant (no current thread, `next` gone) or a smashed
    /// stack canary.
    pub(in super::super) fn block_for_hand_off(&mut self, now_ns: u64, next: Handle, waiting_on: (Handle, WaitSlot), deadline: Option<u64>) -> Switch {
        self.clock.set_now(now_ns);
        let here = self.sched.cpus.cpu();
        let cpu = self.sched.cpus.here_mut();
        let previous = cpu.current.expect("wells: hand-off without a current thread");
        cpu.resched = None;
        let abandon = core::mem::take(&mut cpu.abandon_current);
        // The caller blocks (`block`) and leaves the CPU (`schedule`).
        let thread = thread_in(&mut self.objects, previous).expect("wells: current thread vanished");
        let release_ends = thread.has_release_deadline();
        let priority = thread.priority;
        thread.state = ThreadState::Blocked;
        thread.waiting_on = Some(waiting_on);
        thread.timeout_key = deadline.map(|d| self.clock.insert(d, Wakeup::Thread(previous)));
        thread.wake_reason = None;
        thread.handed.clear();
        let ran = now_ns.saturating_sub(thread.last_start_ns);
        thread.run_time_ns += ran;
        thread.share_window_run_ns += ran;
        thread.stopped_at_ns = now_ns;
        if let Some(stack) = &thread.stack {
            if stack.bottom_word() != STACK_CANARY {
                thread.stack_overflowed();
            }
        }
        let save: *mut usize = if abandon { &mut self.sched.discard_sp[here] } else { &mut thread.saved_sp };
        if let Some(queue) = self.wait_queue_mut(waiting_on.0, waiting_on.1) {
            queue.push(previous, priority);
        }
        if release_ends {
            self.end_release(previous, now_ns);
        }
        self.telemetry.record(now_ns, EventKind::Block, Some(previous), 0);
        // The receiver runs (`schedule`'s choice, made by `hand_cpu_to`).
        self.sched.set_budget_end(None);
        let thread = thread_in(&mut self.objects, next).expect("wells: hand-off to a dead thread");
        thread.state = ThreadState::Running;
        thread.last_start_ns = now_ns;
        thread.wait_time_ns += now_ns.saturating_sub(thread.ready_since_ns);
        thread.switches += 1;
        let level = thread.placement.level;
        let slice = match core::mem::take(&mut thread.slice_left_ns) {
            0 => thread.placement.slice_ns,
            left => left,
        };
        let slice_end = now_ns.saturating_add(slice);
        let (resume, domain) = (thread.saved_sp, thread.exec.domain);
        self.telemetry.record(now_ns, EventKind::Switch, Some(next), level as u64);
        let cpu = self.sched.cpus.here_mut();
        cpu.slice_end_ns = slice_end;
        cpu.current_level = Some(level);
        cpu.current_domain = domain;
        cpu.current = Some(next);
        if self.clock.armed_later_than(slice_end) {
            self.clock.mark_dirty();
        }
        if MAX_CPUS > 1 {
            // From one thread to another: this CPU stays busy.
            self.sched.cpus.here_mut().left = Some(previous);
        }
        let space = self.domains.enter_space_of(domain, &mut self.sched.cpus.here_mut().active_space);
        Switch { save, resume, space }
    }
}
