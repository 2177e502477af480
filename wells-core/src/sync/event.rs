//! Event: auto-reset (a set releases one waiter) or manual-reset (a set releases all and stays).

use crate::wait::WaitQueue;

/// An event flag.
pub struct Event {
    pub signaled: bool,
    pub auto_reset: bool,
    pub waiters: WaitQueue,
}

impl Event {
    /// An event of the given flavour.
    pub fn new(auto_reset: bool, initially_set: bool) -> Event {
        Event { signaled: initially_set, auto_reset, waiters: WaitQueue::new() }
    }
}
