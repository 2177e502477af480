//! What each binary of a monitor image runs: both hand the CPU to the normal world QEMU loaded
//! (a wells supervisor, or the SMC test image, `wells-smc-test`); the monitor's part is answering
//! its SMCs from then on.

use super::Board;

/// The test image: the tests are the normal world's (`wells-smc-test`).
pub fn test(board: &Board) -> i32 {
    board.start_worlds()
}

/// The demo: the normal world of the system run (`systems/arm64-monitor.toml`).
pub fn demo(board: &Board) -> i32 {
    board.start_worlds()
}
