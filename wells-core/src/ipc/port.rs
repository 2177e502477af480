//! Port: a bounded FIFO of fixed-size messages between threads.

use crate::error::{Error, Result};
use crate::wait::WaitQueue;
use alloc::vec::Vec;

/// Largest message a port carries, in bytes.
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024;
/// Largest number of messages a port holds.
pub const MAX_CAPACITY: u32 = 64 * 1024;

/// A message queue with blocked senders and receivers.
pub struct Port {
    msg_size: usize,
    capacity: usize,
    ring: Vec<u8>,
    head: usize,
    count: usize,
    pub senders: WaitQueue,
    pub receivers: WaitQueue,
    /// Messages handed straight to a waiting receiver, which ran next (the IPC fast path).
    handoffs: u64,
}

impl Port {
    /// A port of `capacity` messages of `msg_size` bytes each.
    pub fn new(msg_size: usize, capacity: u32) -> Result<Port> {
        if msg_size == 0 || msg_size > MAX_MESSAGE_SIZE || capacity == 0 || capacity > MAX_CAPACITY {
            return Err(Error::InvalidArgument);
        }
        let bytes = msg_size.checked_mul(capacity as usize).ok_or(Error::InvalidArgument)?;
        let mut ring = Vec::new();
        ring.try_reserve_exact(bytes).map_err(|_| Error::NoMemory)?;
        ring.resize(bytes, 0);
        Ok(Port {
            msg_size,
            capacity: capacity as usize,
            ring,
            head: 0,
            count: 0,
            senders: WaitQueue::new(),
            receivers: WaitQueue::new(),
            handoffs: 0,
        })
    }

    /// Size of every message.
    pub fn msg_size(&self) -> usize {
        self.msg_size
    }

    /// Messages queued now.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Messages handed straight to a waiting receiver that ran next (the IPC fast path).
    pub fn handoffs(&self) -> u64 {
        self.handoffs
    }

    /// Counts one message taken by the fast path.
    pub fn count_handoff(&mut self) {
        self.handoffs += 1;
    }

    /// Appends `msg` (exactly `msg_size` bytes); false when full.
    pub fn push(&mut self, msg: &[u8]) -> bool {
        if self.count == self.capacity {
            return false;
        }
        let slot = (self.head + self.count) % self.capacity * self.msg_size;
        self.ring[slot..slot + self.msg_size].copy_from_slice(msg);
        self.count += 1;
        true
    }

    /// Takes the oldest message into `out[..msg_size]`; false when empty.
    pub fn pop(&mut self, out: &mut [u8]) -> bool {
        if self.count == 0 {
            return false;
        }
        let slot = self.head * self.msg_size;
        out[..self.msg_size].copy_from_slice(&self.ring[slot..slot + self.msg_size]);
        self.head = (self.head + 1) % self.capacity;
        self.count -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_wrap_around() {
        let mut port = Port::new(2, 3).unwrap();
        assert!(port.push(&[1, 1]) && port.push(&[2, 2]) && port.push(&[3, 3]));
        assert!(!port.push(&[4, 4]), "full");
        let mut out = [0; 2];
        assert!(port.pop(&mut out));
        assert_eq!(out, [1, 1]);
        assert!(port.push(&[4, 4]));
        for want in 2..=4 {
            assert!(port.pop(&mut out));
            assert_eq!(out, [want, want]);
        }
        assert!(!port.pop(&mut out), "empty");
    }

    #[test]
    fn bad_shapes_are_refused() {
        assert!(Port::new(0, 1).is_err());
        assert!(Port::new(1, 0).is_err());
        assert!(Port::new(MAX_MESSAGE_SIZE + 1, 1).is_err());
    }
}
