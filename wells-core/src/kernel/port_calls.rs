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
        let deadline = self.deadline(timeout);
        // Judged once, reported after the handle and the size: the order callers see.
        let may_wait = Self::check_may_wait(&cs, timeout);
        loop {
            let port = cs.port_mut(handle)?;
            if msg.len() != port.msg_size() {
                return Err(Error::InvalidArgument);
            }
            may_wait?;
            if port.push(msg) {
                if let Some(receiver) = port.receivers.pop() {
                    cs.wake(receiver, WakeReason::Done);
                }
                return Ok(());
            }
            self.wait_on_port(&mut cs, handle, WaitSlot::PortSenders, timeout, deadline)?;
        }
    }

    /// Takes the oldest message into `buf` (at least the message size), waiting at most
    /// `timeout` for one. Returns the message size.
    pub fn port_receive(&self, handle: Handle, buf: &mut [u8], timeout: Timeout) -> Result<usize> {
        let mut cs = self.critical();
        let deadline = self.deadline(timeout);
        // Judged once, reported after the handle and the size: the order callers see.
        let may_wait = Self::check_may_wait(&cs, timeout);
        loop {
            let port = cs.port_mut(handle)?;
            let size = port.msg_size();
            if buf.len() < size {
                return Err(Error::InvalidArgument);
            }
            may_wait?;
            if port.pop(buf) {
                if let Some(sender) = port.senders.pop() {
                    cs.wake(sender, WakeReason::Done);
                }
                return Ok(size);
            }
            self.wait_on_port(&mut cs, handle, WaitSlot::PortReceivers, timeout, deadline)?;
        }
    }

    /// Messages queued in a port now.
    pub fn port_count(&self, handle: Handle) -> Result<usize> {
        Ok(self.critical().port(handle)?.count())
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
