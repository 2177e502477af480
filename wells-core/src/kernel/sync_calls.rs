//! Mutex, semaphore and event calls.

use super::objects::Object;
use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::sync::{Event, Mutex, Semaphore};
use crate::thread::{ThreadState, WaitSlot, WakeReason};
use crate::time::Timeout;

impl<A: Arch> Kernel<A> {
    /// Creates an unlocked mutex.
    pub fn mutex_create(&self) -> Result<Handle> {
        super::objects::built_in(Kind::Mutex)?;
        self.unsealed()?;
        self.critical().insert_object(Object::Mutex(Mutex::default()))
    }

    /// Destroys a mutex; its waiters get [`Error::Destroyed`].
    pub fn mutex_destroy(&self, handle: Handle) -> Result<()> {
        super::objects::built_in(Kind::Mutex)?;
        let mut cs = self.critical();
        let Object::Mutex(mut mutex) = cs.objects.remove(handle, Kind::Mutex)? else { return Err(Error::WrongKind) };
        cs.wake_all(mutex.waiters.drain(), WakeReason::Destroyed);
        if let Some(owner) = mutex.owner {
            cs.forget_mutex(handle, owner);
        }
        Ok(())
    }

    /// Locks a mutex, waiting at most `timeout`. While the caller waits, the owner inherits
    /// its priority. [`Error::OwnerDied`] means the caller got it from an owner that exited.
    pub fn mutex_lock(&self, handle: Handle, timeout: Timeout) -> Result<()> {
        super::objects::built_in(Kind::Mutex)?;
        let mut cs = self.critical();
        let deadline = self.deadline(timeout);
        let current = cs.sched.caller();
        cs.mutex(handle)?;
        Self::check_may_wait(&cs, timeout)?;
        let me = current.ok_or(Error::BadContext)?;
        // A static configuration sized each thread's list of held mutexes: one more would
        // have to grow it.
        let holds_most = cs.bounds().is_some_and(|b| cs.thread(me).is_ok_and(|t| t.owned_mutexes.len() >= b.held_mutexes));
        let mutex = cs.mutex_mut(handle)?;
        match mutex.owner {
            Some(owner) if owner == me => Err(Error::Deadlock),
            _ if holds_most => Err(Error::Limit),
            None => {
                mutex.owner = Some(me);
                let owner_died = core::mem::take(&mut mutex.owner_died);
                cs.thread_mut(me)?.owned_mutexes.push(handle);
                if owner_died {
                    return Err(Error::OwnerDied);
                }
                Ok(())
            }
            Some(owner) => {
                if timeout == Timeout::NoWait {
                    return Err(Error::WouldBlock);
                }
                Self::blocking_caller(&cs)?;
                cs.enqueue_waiter(handle, WaitSlot::Main, me);
                cs.update_priority(owner);
                Self::wake_result(self.block(&mut cs, Some((handle, WaitSlot::Main)), deadline, ThreadState::Blocked))
            }
        }
    }

    /// Unlocks a mutex held by the caller, handing it to the first waiter.
    pub fn mutex_unlock(&self, handle: Handle) -> Result<()> {
        super::objects::built_in(Kind::Mutex)?;
        let mut cs = self.critical();
        let current = cs.sched.caller();
        let mutex = cs.mutex(handle)?;
        if mutex.owner.is_none() || mutex.owner != current {
            return Err(Error::NotOwner);
        }
        let owner = mutex.owner.ok_or(Error::NotOwner)?;
        cs.release_mutex(handle, owner, WakeReason::Done);
        Ok(())
    }

    /// Creates a semaphore with `initial` units of at most `max`.
    pub fn semaphore_create(&self, initial: u32, max: u32) -> Result<Handle> {
        self.unsealed()?;
        let semaphore = Semaphore::new(initial, max)?;
        self.critical().insert_object(Object::Semaphore(semaphore))
    }

    /// Destroys a semaphore; its waiters get [`Error::Destroyed`].
    pub fn semaphore_destroy(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let Object::Semaphore(mut s) = cs.objects.remove(handle, Kind::Semaphore)? else { return Err(Error::WrongKind) };
        cs.wake_all(s.waiters.drain(), WakeReason::Destroyed);
        Ok(())
    }

    /// Takes one unit, waiting at most `timeout` for one.
    pub fn semaphore_wait(&self, handle: Handle, timeout: Timeout) -> Result<()> {
        let mut cs = self.critical();
        let deadline = self.deadline(timeout);
        // Judged first, reported second: a bad handle is the answer before a bad context.
        let may_wait = Self::check_may_wait(&cs, timeout);
        let semaphore = cs.semaphore_mut(handle)?;
        may_wait?;
        if semaphore.count > 0 {
            semaphore.count -= 1;
            return Ok(());
        }
        if timeout == Timeout::NoWait {
            return Err(Error::WouldBlock);
        }
        let me = Self::blocking_caller(&cs)?;
        cs.enqueue_waiter(handle, WaitSlot::Main, me);
        Self::wake_result(self.block(&mut cs, Some((handle, WaitSlot::Main)), deadline, ThreadState::Blocked))
    }

    /// Gives one unit: to the first waiter if any, else to the count ([`Error::Limit`] at max).
    pub fn semaphore_post(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let semaphore = cs.semaphore_mut(handle)?;
        if let Some(waiter) = semaphore.waiters.pop() {
            cs.wake(waiter, WakeReason::Done);
            return Ok(());
        }
        if semaphore.count == semaphore.max {
            return Err(Error::Limit);
        }
        semaphore.count += 1;
        Ok(())
    }

    /// Units available now.
    pub fn semaphore_value(&self, handle: Handle) -> Result<u32> {
        Ok(self.critical().semaphore(handle)?.count)
    }

    /// Creates an event.
    pub fn event_create(&self, auto_reset: bool, initially_set: bool) -> Result<Handle> {
        self.unsealed()?;
        self.critical().insert_object(Object::Event(Event::new(auto_reset, initially_set)))
    }

    /// Destroys an event; its waiters get [`Error::Destroyed`].
    pub fn event_destroy(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let Object::Event(mut e) = cs.objects.remove(handle, Kind::Event)? else { return Err(Error::WrongKind) };
        cs.wake_all(e.waiters.drain(), WakeReason::Destroyed);
        Ok(())
    }

    /// Waits at most `timeout` for the event to be set (an auto-reset event is cleared by
    /// the waiter it releases).
    pub fn event_wait(&self, handle: Handle, timeout: Timeout) -> Result<()> {
        let mut cs = self.critical();
        let deadline = self.deadline(timeout);
        cs.event(handle)?;
        Self::check_may_wait(&cs, timeout)?;
        let event = cs.event_mut(handle)?;
        if event.signaled {
            if event.auto_reset {
                event.signaled = false;
            }
            return Ok(());
        }
        if timeout == Timeout::NoWait {
            return Err(Error::WouldBlock);
        }
        let me = Self::blocking_caller(&cs)?;
        cs.enqueue_waiter(handle, WaitSlot::Main, me);
        Self::wake_result(self.block(&mut cs, Some((handle, WaitSlot::Main)), deadline, ThreadState::Blocked))
    }

    /// Sets the event: auto-reset releases one waiter (or stays set until one comes),
    /// manual-reset releases every waiter and stays set.
    pub fn event_set(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let event = cs.event_mut(handle)?;
        if event.auto_reset {
            match event.waiters.pop() {
                Some(waiter) => cs.wake(waiter, WakeReason::Done),
                None => event.signaled = true,
            }
            return Ok(());
        }
        event.signaled = true;
        // One at a time from the queue: a woken thread does not run (nor wait again) before
        // this call ends, and nothing is copied out.
        while let Some(waiter) = cs.event_mut(handle)?.waiters.pop() {
            cs.wake(waiter, WakeReason::Done);
        }
        Ok(())
    }

    /// Clears the event.
    pub fn event_reset(&self, handle: Handle) -> Result<()> {
        self.critical().event_mut(handle)?.signaled = false;
        Ok(())
    }
}
