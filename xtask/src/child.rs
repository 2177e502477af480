//! Waiting for a child process with a wall-clock limit (QEMU boots, test programs, benchmarks).

use std::process::{Child, ExitStatus};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Waits at most `limit` for `child` to end: its status, or `None` when it ran out of time (it
/// is then killed and reaped). Polls every 20 ms, so the caller may drain its output meanwhile
/// on another thread.
pub fn wait_within(child: &mut Child, limit: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        sleep(Duration::from_millis(20));
    }
}
