//! The in-kernel test runner every board image shares. Each test builds a fresh kernel, runs
//! real threads on it with the board's real timer interrupt, checks what happened, and checks
//! the heap is back where it was. Prints `ok -`/`not ok -` lines and `N passed, N failed`; the
//! number of failures is the image's exit status.

pub mod bad_programs;
pub mod fuzz;
pub mod kernel;
pub mod stack_overflow;
pub mod user;
pub mod vm_fuzz;
pub mod vms;
#[cfg(target_has_atomic = "64")]
pub mod vms_smp;

use crate::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub const MS: u64 = 1_000_000;

pub type TestResult = Result<(), String>;

/// A named test of board `P`.
pub struct Test<P> {
    pub name: &'static str,
    pub run: Box<dyn Fn(&P) -> TestResult>,
}

impl<P> Test<P> {
    pub fn new(name: &'static str, run: impl Fn(&P) -> TestResult + 'static) -> Self {
        Test { name, run: Box::new(run) }
    }
}

pub fn check(condition: bool, what: impl FnOnce() -> String) -> TestResult {
    if condition {
        Ok(())
    } else {
        Err(what())
    }
}

/// Starts a kernel thread on the kernel of the moment.
pub fn spawn<P: Platform>(name: &str, priority: u8, f: impl FnOnce() -> i32 + Send + 'static) {
    let mut f = Some(f);
    let entry = Box::new(move || (f.take().expect("entry runs once"))());
    let thread = P::kernel().thread_create(name, priority, P::THREAD_STACK, entry).expect("create");
    P::kernel().thread_start(thread).expect("start");
}

/// Runs the kernel-thread tests, then `more` (the board's user-task tests); returns the number
/// of failures.
pub fn run<P: Platform>(board: &P, more: Vec<Test<P>>) -> i32 {
    let (mut passed, mut failed) = (0, 0);
    for test in kernel::tests::<P>().iter().chain(&more) {
        let before = board.heap_stats().allocations;
        let mut result = (test.run)(board);
        let after = board.heap_stats().allocations;
        if result.is_ok() && after != before {
            result = Err(format!("heap: {before} allocations before, {after} after"));
        }
        match result {
            Ok(()) => {
                passed += 1;
                crate::println!(P, "ok - {}", test.name);
            }
            Err(why) => {
                failed += 1;
                crate::println!(P, "not ok - {}: {why}", test.name);
            }
        }
    }
    crate::println!(P, "{passed} passed, {failed} failed");
    failed
}
