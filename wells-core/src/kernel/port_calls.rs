//! Port calls: fixed-size messages, blocking or not, with timeouts.

use super::objects::Object;
use super::Kernel;
use crate::arch::Arch;
use crate::error::{Error, Result};
use crate::handle::{Handle, Kind};
use crate::ipc::Port;
use crate::thread::{ThreadState, WaitSlot, WakeReason};
use crate::time::Timeout;

impl<A: Arch> Kernel<A> {
    /// Creates a port of `capacity` messages of `msg_size` bytes.
    pub fn port_create(&self, msg_size: usize, capacity: u32) -> Result<Handle> {
        self.unsealed()?;
        // Its buffer is made inside the critical section: a caller preempted while holding it
        // could be restarted or ended by a transaction's fate, and the buffer lost (#23).
        let mut cs = self.critical();
        let port = Port::new(msg_size, capacity)?;
        cs.insert_object(Object::Port(port))
    }

    /// Destroys a port; blocked senders and receivers get [`Error::Destroyed`].
    pub fn port_destroy(&self, handle: Handle) -> Result<()> {
        let mut cs = self.critical();
        let Object::Port(mut port) = cs.objects.remove(handle, Kind::Port)? else { return Err(Error::WrongKind) };
        cs.wake_all(port.senders.drain(), WakeReason::Destroyed);
        cs.wake_all(port.receivers.drain(), WakeReason::Destroyed);
        Ok(())
    }

    /// Queues `msg` (exactly the port's message size), waiting at most `timeout` for room.
    pub fn port_send(&self, handle: Handle, msg: &[u8], timeout: Timeout) -> Result<()> {
        let mut cs = self.critical();
        let wait = self.wait_terms(&cs, timeout);
        self.send_in(&mut cs, handle, msg, wait)
    }

    /// Takes the oldest message into `buf` (at least the message size), waiting at most
    /// `timeout` for one. Returns the message size.
    pub fn port_receive(&self, handle: Handle, buf: &mut [u8], timeout: Timeout) -> Result<usize> {
        let mut cs = self.critical();
        let wait = self.wait_terms(&cs, timeout);
        self.receive_in(&mut cs, handle, buf, wait)
    }

    /// A call in one kernel entry: sends the first message-size bytes of `buf` on `request`,
    /// then waits for the answer on `reply` and takes it into `buf`. Returns the answer's size.
    /// Both steps share `timeout`. Nothing is sent unless `buf` can take the answer too; a
    /// server waiting on `request` is woken and, once the caller blocks, runs without another
    /// kernel entry: handed the CPU directly when it would run next anyway (`port_fast.rs`).
    /// Between two tasks this is the IPC fast path (system call 31).
    pub fn port_call(&self, request: Handle, reply: Handle, buf: &mut [u8], timeout: Timeout) -> Result<usize> {
        let mut cs = self.critical();
        let wait = self.wait_terms(&cs, timeout);
        match self.send_direct(&mut cs, request, reply, buf, wait) {
            Some(Ok(Some(handed))) => return Ok(handed),
            Some(woken) => {
                woken?;
            }
            None => {
                let send_size = Self::sizes_fit(&cs, request, reply, buf.len())?;
                self.send_in(&mut cs, request, &buf[..send_size], wait)?;
            }
        }
        self.receive_in(&mut cs, reply, buf, wait)
    }

    /// A server's turn in one kernel entry: sends the first message-size bytes of `buf` on
    /// `reply` (the answer to the last request), then waits for the next request on `request`
    /// and takes it into `buf`. Returns the request's size. The mirror of [`Kernel::port_call`]
    /// (system call 32).
    pub fn port_reply_wait(&self, reply: Handle, request: Handle, buf: &mut [u8], timeout: Timeout) -> Result<usize> {
        let mut cs = self.critical();
        let wait = self.wait_terms(&cs, timeout);
        match self.send_direct(&mut cs, reply, request, buf, wait) {
            Some(Ok(Some(handed))) => return Ok(handed),
            Some(woken) => {
                woken?;
            }
            None => {
                let send_size = Self::sizes_fit(&cs, reply, request, buf.len())?;
                self.send_in(&mut cs, reply, &buf[..send_size], wait)?;
            }
        }
        self.receive_in(&mut cs, request, buf, wait)
    }

    /// The message size of `send` when a buffer of `len` bytes holds a message of `send` and
    /// one of `receive` (both ports checked first: a step that cannot finish does not start).
    fn sizes_fit(cs: &super::critical::Critical<'_, A>, send: Handle, receive: Handle, len: usize) -> Result<usize> {
        let send_size = cs.port(send)?.msg_size();
        let receive_size = cs.port(receive)?.msg_size();
        if len < send_size || len < receive_size {
            return Err(Error::InvalidArgument);
        }
        Ok(send_size)
    }

    /// How long a port call may wait: judged once at entry (whether the caller may block, the
    /// deadline), reported after the handle and the size, the order callers see.
    #[inline]
    fn wait_terms(&self, cs: &super::critical::Critical<'_, A>, timeout: Timeout) -> WaitTerms {
        WaitTerms { may_wait: Self::check_may_wait(cs, timeout), timeout, deadline: self.deadline(timeout) }
    }

    /// [`Kernel::port_send`] inside the caller's critical section.
    #[inline(always)]
    fn send_in(&self, cs: &mut super::critical::Critical<'_, A>, handle: Handle, msg: &[u8], wait: WaitTerms) -> Result<()> {
        loop {
            let port = cs.port_mut(handle)?;
            if msg.len() != port.msg_size() {
                return Err(Error::InvalidArgument);
            }
            wait.may_wait?;
            if port.push(msg) {
                if let Some(receiver) = port.receivers.pop() {
                    cs.wake(receiver, WakeReason::Done);
                }
                return Ok(());
            }
            self.wait_on_port(cs, handle, WaitSlot::PortSenders, wait.timeout, wait.deadline)?;
        }
    }

    /// [`Kernel::port_receive`] inside the caller's critical section.
    #[inline(always)]
    fn receive_in(&self, cs: &mut super::critical::Critical<'_, A>, handle: Handle, buf: &mut [u8], wait: WaitTerms) -> Result<usize> {
        loop {
            let port = cs.port_mut(handle)?;
            let size = port.msg_size();
            if buf.len() < size {
                return Err(Error::InvalidArgument);
            }
            wait.may_wait?;
            if port.pop(buf) {
                if let Some(sender) = port.senders.pop() {
                    cs.wake(sender, WakeReason::Done);
                }
                return Ok(size);
            }
            self.wait_on_port(cs, handle, WaitSlot::PortReceivers, wait.timeout, wait.deadline)?;
        }
    }

    /// Messages queued in a port now.
    pub fn port_count(&self, handle: Handle) -> Result<usize> {
        Ok(self.critical().port(handle)?.count())
    }

    /// Messages sent on a port that went straight to a waiting receiver, which then ran without
    /// a pass through the ready queues (the IPC fast path of `port_call` and `port_reply_wait`).
    pub fn port_handoffs(&self, handle: Handle) -> Result<u64> {
        Ok(self.critical().port(handle)?.handoffs())
    }

    /// Waits in one of a port's queues until woken (then the caller tries again).
    fn wait_on_port(
        &self,
        cs: &mut super::critical::Critical<'_, A>,
        handle: Handle,
        slot: WaitSlot,
        timeout: Timeout,
        deadline: Option<u64>,
    ) -> Result<()> {
        if timeout == Timeout::NoWait {
            return Err(Error::WouldBlock);
        }
        if deadline.is_some_and(|d| self.host.now_ns() >= d) {
            return Err(Error::Timeout);
        }
        let me = Self::blocking_caller(cs)?;
        cs.enqueue_waiter(handle, slot, me);
        Self::wake_result(self.block(cs, Some((handle, slot)), deadline, ThreadState::Blocked))
    }
}

/// A port call's terms of waiting, judged at its entry.
#[derive(Clone, Copy)]
pub(super) struct WaitTerms {
    /// Whether the caller may block (`Err(BadContext)` when it may not and the timeout asks).
    pub may_wait: Result<()>,
    pub timeout: Timeout,
    pub deadline: Option<u64>,
}
