//! Counting semaphore with a maximum.

use crate::error::{Error, Result};
use crate::wait::WaitQueue;

/// A counting semaphore. A post with waiters hands the unit straight to the first waiter.
pub struct Semaphore {
    pub count: u32,
    pub max: u32,
    pub waiters: WaitQueue,
}

impl Semaphore {
    /// A semaphore holding `initial` units of at most `max`.
    pub fn new(initial: u32, max: u32) -> Result<Semaphore> {
        if max == 0 || initial > max {
            return Err(Error::InvalidArgument);
        }
        Ok(Semaphore { count: initial, max, waiters: WaitQueue::new() })
    }
}
