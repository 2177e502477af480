//! The normal world's test of the secure world: its client task (`secure-client`) calls the
//! secure service through system call 33 and the monitor and checks every answer; this runs it
//! and says whether it passed.

use crate::supervisor::{Program, TaskPlatform, TaskSpec};

/// Runs `client` as a task and waits for it; true when it exited 0.
pub fn run<P: TaskPlatform>(board: &P, client: Program<P>) -> bool {
    let k = board.new_kernel();
    let spec = TaskSpec { name: "secure-client", program: client, priority: 10, arg: 0, grants: &[], scheduling_advisor: false };
    let started = match crate::supervisor::spawn::<P>(&k, &spec) {
        Ok(started) => started,
        Err(error) => {
            crate::println!(P, "secure test: client not started: {error}");
            return false;
        }
    };
    if let Err(error) = k.run() {
        crate::println!(P, "secure test: kernel stopped: {error}");
        return false;
    }
    let code = k.thread_stats(started.thread).map(|s| s.exit_code).unwrap_or(-1);
    crate::println!(P, "secure test: client exited with {code}");
    code == 0
}
