//! Communication between threads.

pub mod handed;
pub mod port;

pub use handed::Handed;
pub use port::Port;
