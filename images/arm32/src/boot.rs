//! From reset to the level, one line: the CPU's entry (`_start`, from wells-core: interrupts
//! masked, boot stack, .bss), what the board needs done in the entry mode, then the level's own
//! way up (`supervisor::boot`: establish SVC, dropping from HYP; `hypervisor::boot`: stay in
//! HYP), which brings up the kernel and ends in the application (`app_main`, defined by each
//! binary), which runs the domains.

use crate::level::boot::{enter_level, level_main};
use crate::Board;

extern "Rust" {
    /// The application: the test runner, the demo, the bench... Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

// The entry (`wells_core::arch::arm::start`): interrupts masked, boot stack, .bss, the board's
// `at_entry_mode` in the entry mode, then the level's way up to [`level_main`].
wells_core::arm_start!(at_entry: crate::board::at_entry_mode, enter: enter_level, main: level_main);

/// Runs the application on the established board and ends the run with its status.
pub(crate) fn run_app(board: &Board) -> ! {
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(board) };
    crate::board::exit(status)
}
