//! The secure world's supervisor, run by the monitor at secure EL1 before the normal world: it
//! starts the tasks of its system (`systems/arm64-secure.toml`) and runs its kernel. Its service
//! task answers the normal world's secure calls (`docs/monitor.md`) and never ends: each of its
//! `secure_call(SECURE_DONE, ...)` system calls is an SMC that gives the CPU back to the monitor
//! until the next event comes.

use crate::supervisor::{Program, TaskPlatform, TaskSpec};
use crate::system::System;
use alloc::vec::Vec;

/// Starts `system`'s tasks on a new kernel and runs it. Returns only if the kernel stops (every
/// task ended, which the service task never does), with the number of tasks that failed.
pub fn run<P: TaskPlatform>(board: &P, system: &System<Program<P>>) -> i32
where
    Program<P>: Copy,
{
    crate::println!(P, "secure world: starting {} tasks of `{}`", system.tasks.len(), system.name);
    let k = board.new_kernel();
    let ports = match system.make_ports(&k) {
        Ok(ports) => ports,
        Err(error) => {
            crate::println!(P, "secure world: {}: {error}", system.name);
            return 1;
        }
    };
    let mut started = Vec::new();
    for task in system.tasks {
        let grants = crate::system::granted(&ports, task.ports);
        let spec = TaskSpec { name: task.name, program: task.program, priority: task.priority, arg: 0, grants: &grants, scheduling_advisor: false };
        match crate::supervisor::spawn::<P>(&k, &spec) {
            Ok(s) => started.push((task.name, s)),
            Err(error) => {
                crate::println!(P, "secure world: task {}: {error}", task.name);
                return 1;
            }
        }
    }
    if let Err(error) = k.run() {
        crate::println!(P, "secure world: kernel stopped: {error}");
        return 1;
    }
    let mut failed = 0;
    for (name, task) in &started {
        let code = k.thread_stats(task.thread).map(|s| s.exit_code).unwrap_or(-1);
        crate::println!(P, "secure world: task {name} exited with {code}");
        failed += (code != 0) as i32;
    }
    failed
}
