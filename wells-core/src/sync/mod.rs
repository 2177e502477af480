//! Synchronisation objects. Each file holds the object's own state; the blocking and waking
//! around them is in `kernel/sync_calls.rs`, where the scheduler is.

pub mod event;
pub mod mutex;
pub mod semaphore;

pub use event::Event;
pub use mutex::Mutex;
pub use semaphore::Semaphore;
