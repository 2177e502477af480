//! Thread calls: create, start, exit, join, sleep, yield, suspend/resume, priority, statistics.

use super::objects::Object;
use super::Kernel;
use crate::arch::{call_entry, thread_bootstrap, Arch};
use crate::domain::{DomainId, DomainKind, Exec, ExecKind};
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::mem::Stack;
use crate::sched::{Requeue, PRIORITY_MAX};
use crate::thread::{Entry, Thread, ThreadState, ThreadStats, WaitSlot, STACK_CANARY};
use crate::time::Timeout;
use alloc::boxed::Box;

impl<A: Arch> Kernel<A> {
    /// Creates a kernel thread in the `Created` state; [`Kernel::thread_start`] makes it
    /// runnable. `stack_size` 0 picks the default.
    pub fn thread_create(&self, name: &str, priority: u8, stack_size: usize, entry: Entry) -> Result<Handle> {
        self.thread_create_in(DomainId::KERNEL, name, priority, stack_size, entry)
    }

    /// Creates a thread of `domain` (its address space is made current whenever it runs).
    pub fn thread_create_in(&self, domain: DomainId, name: &str, priority: u8, stack_size: usize, entry: Entry) -> Result<Handle> {
        self.unsealed()?;
        if priority > PRIORITY_MAX {
            return Err(Error::InvalidArgument);
        }
        let stack_size = if stack_size == 0 { A::DEFAULT_STACK } else { stack_size };
        if !(A::MIN_STACK..=A::MAX_STACK).contains(&stack_size) {
            return Err(Error::InvalidArgument);
        }
        let mut cs = self.critical();
        // A thread of a VM is one of its virtual CPUs.
        let kind = match cs.domains.live(domain) {
            None => return Err(Error::InvalidArgument),
            Some(d) if d.stopped => return Err(Error::BadState),
            Some(d) if priority > d.max_priority => return Err(Error::InvalidArgument),
            Some(d) if d.kind == DomainKind::VirtualMachine => ExecKind::Vcpu,
            Some(_) => ExecKind::Thread,
        };
        // Room in the run queues now, while the caller can still be told `NoMemory`: queueing
        // it later (start, wake-up) must never allocate. Before the insert, and only when the
        // table has room, so a refused thread leaves neither a table slot nor queue room (#23).
        let slot = cs.objects.next_slot().ok_or(Error::Limit)?;
        cs.sched.ready_mut().reserve(slot + 1)?;
        // The stack last, and inside the critical section: a refused thread never made one
        // (on MMU boards a stack's guard page may split a kernel table for good), and a caller
        // restarted or stopped by a transaction's fate cannot be preempted holding it.
        let mut stack = Stack::new(stack_size, self.arch.guard_pages(), A::STACK_ALIGN).ok_or(Error::NoMemory)?;
        stack.as_mut_slice()[..8].copy_from_slice(&STACK_CANARY.to_ne_bytes());
        let initial_sp = self.arch.init_stack(stack.as_mut_slice(), thread_bootstrap::<A>, self as *const Self as usize);
        let mut thread = Box::new(Thread::new(name, priority, Exec { domain, kind }, stack, entry));
        thread.saved_sp = initial_sp;
        cs.insert_object(Object::Thread(thread))
    }

    /// Makes a created thread runnable.
    pub fn thread_start(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let thread = cs.thread_mut(handle)?;
        if thread.state != ThreadState::Created {
            return Err(Error::BadState);
        }
        cs.sched.thread_started();
        cs.clock.set_now(self.host.now_ns());
        if let Some(level) = cs.make_runnable(handle, Requeue::Back, true) {
            cs.note_ready(handle, level);
        }
        Ok(())
    }

    /// Destroys a thread that was created but never started (its creator could not finish
    /// what it was making it for): it leaves the table and its stack is freed. `BadState` for
    /// a started thread.
    pub fn thread_discard(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let thread = cs.thread(handle)?;
        if thread.state != ThreadState::Created {
            return Err(Error::BadState);
        }
        let pinned = thread.cpus != crate::kernel::percpu::ALL_CPUS;
        cs.free_object(handle, Kind::Thread)?;
        if pinned {
            cs.sched.count_pinned(false);
        }
        Ok(())
    }

    /// Runs on a new thread's stack (from `thread_bootstrap`, which did its
    /// [`Kernel::first_steps`] and released the lock): calls its entry, then exits.
    pub(crate) fn run_new_thread(&self) -> ! {
        let entry = {
            let mut state = self.lock();
            let current = state.sched.current();
            let thread = current.and_then(|c| state.thread_mut(c).ok());
            thread.and_then(|t| t.entry.as_mut()).map(|entry| &mut **entry as *mut (dyn FnMut() -> i32 + Send))
        };
        self.irq_restore(true);
        let code = entry.map_or(0, call_entry);
        self.exit_current(code)
    }

    /// Ends the calling thread with `code`. Returns only when the caller is not a thread
    /// (`BadContext`).
    pub fn thread_exit(&self, code: i32) -> Error {
        if let Err(error) = Self::blocking_caller(&self.critical()) {
            return error;
        }
        self.exit_current(code)
    }

    pub(super) fn exit_current(&self, code: i32) -> ! {
        // Masked for good: this context never comes back.
        self.arch.irq_save();
        let mut state = self.lock();
        let current = state.sched.current().expect("wells: exit outside a thread");
        let now = self.host.now_ns();
        state.clock.set_now(now);
        state.end_release(current, now);
        state.telemetry.record(now, crate::telemetry::EventKind::Exit, Some(current), code as i64 as u64);
        // We still run on this stack: the next context frees it.
        let stack = state.finish_thread(current, code, true);
        state.sched.set_dead_stack(stack);
        // Its context is never resumed: saved nowhere a joiner on another CPU could free.
        state.sched.abandon_current();
        let switch = state.schedule(now, Requeue::Back).expect("wells: nothing to switch to at exit");
        state.reprogram_timer(&*self.host);
        self.switch_for_good(state, switch);
        unreachable!("wells: an exited thread was resumed")
    }

    /// Waits for `handle` to exit and returns its exit code; the handle is stale afterwards.
    pub fn thread_join(&self, handle: Handle, timeout: Timeout) -> Result<i32> {
        let mut cs = self.critical();
        let deadline = self.deadline(timeout);
        if cs.sched.current() == Some(handle) {
            return Err(Error::Deadlock);
        }
        cs.thread(handle)?;
        Self::check_may_wait(&cs, timeout)?;
        loop {
            let thread = cs.thread(handle)?;
            match thread.state {
                ThreadState::Exited => {
                    let code = thread.exit_code;
                    cs.free_object(handle, Kind::Thread)?;
                    return Ok(code);
                }
                ThreadState::Created => return Err(Error::BadState),
                _ => {}
            }
            if cs.sched.current() == Some(handle) {
                return Err(Error::Deadlock);
            }
            if timeout == Timeout::NoWait {
                return Err(Error::WouldBlock);
            }
            let me = Self::blocking_caller(&cs)?;
            cs.enqueue_waiter(handle, WaitSlot::Main, me);
            Self::wake_result(self.block(&mut cs, Some((handle, WaitSlot::Main)), deadline, ThreadState::Blocked))?;
        }
    }

    /// Sleeps at least `ns` nanoseconds (0 yields).
    pub fn sleep_ns(&self, ns: u64) -> Result<()> {
        if ns == 0 {
            return self.yield_now();
        }
        let mut cs = self.critical();
        Self::blocking_caller(&cs)?;
        let deadline = self.host.now_ns().saturating_add(ns);
        self.block(&mut cs, None, Some(deadline), ThreadState::Sleeping);
        Ok(())
    }

    /// Gives the CPU to the next runnable thread of the same or higher priority.
    pub fn yield_now(&self) -> Result<()> {
        let mut cs = self.critical();
        Self::blocking_caller(&cs)?;
        cs.switch_away(Requeue::Back);
        Ok(())
    }

    /// Stops a thread until [`Kernel::thread_resume`]. A blocked thread finishes its wait first.
    /// Several CPUs: a thread running on another CPU is taken off it by that CPU, sent a
    /// reschedule interrupt; a caller that may block returns once that CPU let it go
    /// (`Kernel::wait_elsewhere`; `BadState` for a second suspend from a caller that could
    /// not wait, before that CPU did, as for a thread suspended already).
    pub fn thread_suspend(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let elsewhere = cs.sched.cpu_running(handle).filter(|&cpu| cpu != cs.sched.cpus.cpu());
        let thread = cs.thread_mut(handle)?;
        match thread.state {
            ThreadState::Running if elsewhere.is_some() => match (thread.suspend_pending, elsewhere) {
                (false, Some(cpu)) => {
                    cs.suspend_elsewhere(handle, cpu);
                    drop(cs);
                    self.wait_elsewhere(handle, |_, t| !(t.suspend_pending && t.state == ThreadState::Running));
                    Ok(())
                }
                _ => Err(Error::BadState),
            },
            ThreadState::Ready => {
                thread.state = ThreadState::Suspended;
                let level = thread.placement.level;
                cs.dequeue(handle, level);
                Ok(())
            }
            ThreadState::Blocked | ThreadState::Sleeping if !thread.suspend_pending => {
                thread.suspend_pending = true;
                Ok(())
            }
            // Parked by its domain's budget: out of every queue already.
            ThreadState::Throttled => {
                thread.state = ThreadState::Suspended;
                Ok(())
            }
            ThreadState::Running => {
                Self::blocking_caller(&cs)?;
                if let Ok(thread) = cs.thread_mut(handle) {
                    thread.state = ThreadState::Suspended;
                }
                cs.switch_away(Requeue::Back);
                Ok(())
            }
            _ => Err(Error::BadState),
        }
    }

    /// Lets a suspended thread run again.
    pub fn thread_resume(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let thread = cs.thread_mut(handle)?;
        match thread.state {
            ThreadState::Suspended => {
                cs.clock.set_now(self.host.now_ns());
                if let Some(level) = cs.make_runnable(handle, Requeue::Back, false) {
                    cs.note_ready(handle, level);
                }
                Ok(())
            }
            // A suspend from another CPU that its CPU has not carried out yet is withdrawn.
            ThreadState::Blocked | ThreadState::Sleeping | ThreadState::Running if thread.suspend_pending => {
                thread.suspend_pending = false;
                Ok(())
            }
            _ => Err(Error::BadState),
        }
    }

    /// The calling thread.
    pub fn current_thread(&self) -> Result<Handle> {
        let cs = self.critical();
        cs.sched.caller().ok_or(Error::BadContext)
    }

    /// Changes a thread's base priority (its effective priority may stay higher while it
    /// holds a mutex others wait for).
    pub fn thread_set_priority(&self, handle: Handle, priority: u8) -> Result<()> {
        if priority > PRIORITY_MAX {
            return Err(Error::InvalidArgument);
        }
        let mut cs = self.critical();
        let thread = cs.thread_mut(handle)?;
        if thread.state == ThreadState::Exited {
            return Err(Error::BadState);
        }
        thread.base_priority = priority;
        cs.update_priority(handle);
        Ok(())
    }

    /// A snapshot of a thread.
    pub fn thread_stats(&self, handle: Handle) -> Result<ThreadStats> {
        let cs = self.critical();
        let now = self.host.now_ns();
        Ok(cs.thread(handle)?.stats(now))
    }

    /// Fills `out` with handles of threads not yet joined; returns how many exist.
    pub fn thread_list(&self, out: &mut [Handle]) -> usize {
        let cs = self.critical();
        let mut count = 0;
        for handle in cs.thread_handles() {
            if let Some(slot) = out.get_mut(count) {
                *slot = handle;
            }
            count += 1;
        }
        count
    }
}
