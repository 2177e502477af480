//! A static system description: the ports and tasks of an image as constant tables, made at
//! start-up on a kernel reserved from the description's bounds, after which the caller seals
//! the kernel (`docs/core.md`, "Static configuration").

use super::{spawn, Program, Started, TaskPlatform, TaskSpec};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::kernel::StaticBounds;
use wells_core::{Handle, Kernel};

/// A port of the description.
pub struct PortSpec {
    pub name: &'static str,
    pub msg_size: usize,
    /// Messages it holds.
    pub depth: u32,
}

/// A task of the description: its program, priority and the ports it may open by name.
pub struct TaskEntry<Program: 'static> {
    pub name: &'static str,
    pub program: Program,
    pub priority: u8,
    pub ports: &'static [&'static str],
}

/// The whole system: kernel bounds, ports, tasks.
pub struct System<Program: 'static> {
    pub bounds: StaticBounds,
    pub ports: &'static [PortSpec],
    pub tasks: &'static [TaskEntry<Program>],
}

/// Reserves `system.bounds` on a fresh `kernel`, creates its ports and starts its tasks, each
/// granted exactly the ports it lists. Returns the started tasks in table order; a bad
/// description (a grant naming no port, bounds too small) is an error naming the entry.
pub fn start<P: TaskPlatform>(kernel: &Kernel<P::Arch>, system: &System<Program<P>>) -> Result<Vec<Started>, String>
where
    Program<P>: Copy,
{
    kernel.reserve(system.bounds).map_err(|e| format!("bounds {:?}: {e}", system.bounds))?;
    let mut ports: Vec<(&str, Handle)> = Vec::with_capacity(system.ports.len());
    for port in system.ports {
        let handle = kernel.port_create(port.msg_size, port.depth).map_err(|e| format!("port '{}': {e}", port.name))?;
        ports.push((port.name, handle));
    }
    let mut started = Vec::with_capacity(system.tasks.len());
    for task in system.tasks {
        let mut grants = Vec::with_capacity(task.ports.len());
        for &name in task.ports {
            let port = ports.iter().find(|(n, _)| *n == name).ok_or_else(|| format!("task '{}': no port '{name}'", task.name))?;
            grants.push(*port);
        }
        let spec = TaskSpec { name: task.name, program: task.program, priority: task.priority, arg: 0, grants: &grants, scheduling_advisor: false };
        started.push(spawn::<P>(kernel, &spec)?);
    }
    Ok(started)
}
