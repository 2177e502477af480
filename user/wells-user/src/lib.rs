//! The user side of the wells system-call ABI (`docs/syscalls.md`), for tasks running at EL0 as
//! AArch64 (`aarch64-unknown-none-softfloat`) or AArch32 (`armv7a-none-eabi`, or T32 for the MPU
//! boards: `thumbv7m-none-eabi`) code.
//!
//! # Writing a program
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use wells_user::println;
//!
//! wells_user::entry!(main);
//!
//! fn main(arg: usize) -> i32 {
//!     println!("hello, arg {}", arg);
//!     0 // the exit code
//! }
//! ```
//! - **Entry**: this crate provides `_start` (in section `.text.start`). The kernel sets the
//!   stack pointer and puts the task's argument in `x0`/`r0`; `_start` calls the function named
//!   by [`entry!`] and then [`exit`]s with what it returns.
//! - **Printing**: [`print!`] / [`println!`] format into a fixed buffer on the stack (no
//!   allocator) and write it with [`console_write`].
//! - **Exit**: return from `main`, or call [`exit`] anywhere. `exit` ends the *calling thread*;
//!   a thread made with [`thread::spawn`] must end with `exit`.
//! - **Panics** print the message and `exit(-101)`.
//! - Feature `rt` (default) provides `_start`, [`entry!`] and the panic handler. Without it the
//!   calls alone can be linked into other code (this crate has no statics).
//! - Built for `thumbv7m-none-eabi` (the MPU boards: Cortex-M3, and Cortex-R52 in Thumb state)
//!   it is the same library, in position-independent programs (`user/README.md`); there
//!   [`cycles`] reads the kernel's clock (`time`), as no counter is readable by a task.
//! - Every call of the ABI is a safe function returning `Result<T, Error>`; [`syscall`] is the
//!   raw, unchecked trap for tests that make deliberately bad calls.
#![no_std]

mod calls;
mod cycles;
#[cfg(feature = "rt")]
mod entry;
mod error;
pub mod fuzz;
pub mod nr;
pub mod secure;
#[cfg(feature = "rt")]
mod panic;
mod print;
mod syscall;
pub mod thread;

pub use calls::*;
pub use cycles::{cycles, profile_mark};
pub use error::Error;
pub use print::{_print, write_all};
pub use syscall::syscall;
