//! Mutex: one owner at a time, non-recursive, with priority inheritance.

use crate::handle::Handle;
use crate::wait::WaitQueue;

/// A mutex. While threads wait, the owner runs at least at the priority of the first waiter.
#[derive(Default)]
pub struct Mutex {
    pub owner: Option<Handle>,
    pub waiters: WaitQueue,
    /// The last owner exited holding it and nobody has taken it since: the next locker is
    /// told (robust-mutex semantics), then it is an ordinary mutex again.
    pub owner_died: bool,
}
