//! System-call numbers (`docs/syscalls.md`).

pub const EXIT: usize = 0;
pub const YIELD: usize = 1;
pub const SLEEP: usize = 2;
pub const CONSOLE_WRITE: usize = 3;
pub const TIME: usize = 4;
pub const THREAD_CREATE: usize = 5;
pub const THREAD_JOIN: usize = 6;
pub const MUTEX_CREATE: usize = 7;
pub const MUTEX_LOCK: usize = 8;
pub const MUTEX_UNLOCK: usize = 9;
pub const SEM_CREATE: usize = 10;
pub const SEM_WAIT: usize = 11;
pub const SEM_POST: usize = 12;
pub const EVENT_CREATE: usize = 13;
pub const EVENT_WAIT: usize = 14;
pub const EVENT_SET: usize = 15;
pub const EVENT_RESET: usize = 16;
pub const PORT_OPEN: usize = 17;
pub const PORT_SEND: usize = 18;
pub const PORT_RECEIVE: usize = 19;
pub const NOP: usize = 20;
