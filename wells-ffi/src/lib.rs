//! wells-ffi: the C ABI of wells. Builds `libwells.a`; cbindgen turns these items into
//! `include/wells.h` (run `cargo xtask header`). See `docs/c-api.md` for the guide.
//!
//! Every function checks what C hands it: NULL pointers, handles (index + generation + kind,
//! so stale, forged and mistyped handles are refused), lengths and ranges, and answers with a
//! `wells_status`. The library holds one kernel instance, created by `wells_init` on a heap
//! region from the host and destroyed by `wells_shutdown`.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

mod handles;
mod host;
mod instance;
mod interrupt;
mod panic;
mod policy;
mod ports;
mod status;
mod sync;
mod threads;
mod timers;
mod txn;
#[cfg(test)]
mod tests;

pub use handles::*;
pub use host::*;
pub use instance::*;
pub use interrupt::*;
pub use policy::*;
pub use ports::*;
pub use status::*;
pub use sync::*;
pub use threads::*;
pub use timers::*;
pub use txn::*;
