//! Communication between threads.

pub mod port;

pub use port::Port;
