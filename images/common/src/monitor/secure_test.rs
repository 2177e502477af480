//! The normal world's test of the secure world. First a task (`secure-peek`) reads the secure
//! world's memory, which its kernel mapped for it: the read must fault and stop that task only.
//! Then the client task (`secure-client`) calls the secure service through system call 33 and
//! the monitor and checks every answer: the secure world and the monitor went on.

use crate::supervisor::{Program, TaskPlatform, TaskSpec};
use wells_core::domain::DomainId;

/// The two tasks of the test, and the exit code the peek's fault must stop it with.
pub struct SecureTest<P: TaskPlatform> {
    pub peek: Program<P>,
    pub client: Program<P>,
    pub peek_fault_code: i32,
    /// Where the peek reads: its kernel maps the secure memory there (`map_secure`).
    pub peek_address: usize,
}

/// Runs the peek (mapped by `map_secure` before it starts) and then the client; true when the
/// peek was stopped by its fault and the client exited 0.
pub fn run<P: TaskPlatform>(board: &P, test: &SecureTest<P>, map_secure: impl FnOnce(DomainId)) -> bool
where
    Program<P>: Copy,
{
    let k = board.new_kernel();
    // The peek runs first (higher priority): its fault comes before any secure call.
    let peek = TaskSpec { name: "secure-peek", program: test.peek, priority: 12, arg: test.peek_address, grants: &[], scheduling_advisor: false };
    let client = TaskSpec { name: "secure-client", program: test.client, priority: 10, arg: 0, grants: &[], scheduling_advisor: false };
    let (peek, client) = match (crate::supervisor::spawn::<P>(&k, &peek), crate::supervisor::spawn::<P>(&k, &client)) {
        (Ok(peek), Ok(client)) => (peek, client),
        (Err(error), _) | (_, Err(error)) => {
            crate::println!(P, "secure test: tasks not started: {error}");
            return false;
        }
    };
    map_secure(peek.domain);
    if let Err(error) = k.run() {
        crate::println!(P, "secure test: kernel stopped: {error}");
        return false;
    }
    let code = |started: crate::supervisor::Started| k.thread_stats(started.thread).map(|s| s.exit_code).unwrap_or(-1);
    let (peek_code, client_code) = (code(peek), code(client));
    let contained = peek_code == test.peek_fault_code;
    if contained {
        crate::println!(P, "ok - a normal-world read of secure memory faulted and stopped only its task (exit {peek_code})");
    } else {
        crate::println!(P, "not ok - the secure memory read: task exit {peek_code}, expected {}", test.peek_fault_code);
    }
    crate::println!(P, "secure test: client exited with {client_code}");
    contained && client_code == 0
}
