//! A task's life: started from a program, more threads on its own request, stopped after a
//! fault or a bad call.

use super::{Entry, Program, Task, TaskPlatform, UserSpace};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::domain::{DomainId, DomainKind};
use wells_core::{Error, Handle, Kernel};

/// How to start a task.
pub struct TaskSpec<'a, P> {
    pub name: &'a str,
    pub program: P,
    pub priority: u8,
    /// Passed to the program's entry in its first argument register.
    pub arg: usize,
    /// Objects it may open by name: ports, shared objects, transactions.
    pub grants: &'a [(&'a str, Handle)],
    /// It is a scheduling advisor: it may read telemetry and load and clear the kernel's
    /// decision set (system calls 28-30).
    pub scheduling_advisor: bool,
}

/// A started task: its domain and first thread.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    pub domain: DomainId,
    pub thread: Handle,
}

/// Loads and starts a task of board `P` on `kernel`.
///
/// All or nothing (#23): what can fail runs before the task is registered — the stack's room
/// is checked and the first thread made (not started) while the space is still the caller's —
/// and a failure gives back the domain it made, so a task that cannot start leaves no domain,
/// registry entry, stack slot or thread behind.
pub fn spawn<P: TaskPlatform>(kernel: &Kernel<P::Arch>, spec: &TaskSpec<'_, Program<P>>) -> Result<Started, String> {
    spawn_on::<P>(kernel, spec, None)
}

/// [`spawn`] with the task's first thread pinned to the CPUs of `cpus` (bit n: CPU n;
/// `Kernel::thread_set_affinity`) before it starts, so it never runs elsewhere. A set the
/// kernel refuses fails the spawn, leaving nothing behind. Threads the task makes later may run
/// on every CPU.
pub fn spawn_pinned<P: TaskPlatform>(kernel: &Kernel<P::Arch>, spec: &TaskSpec<'_, Program<P>>, cpus: u32) -> Result<Started, String> {
    spawn_on::<P>(kernel, spec, Some(cpus))
}

fn spawn_on<P: TaskPlatform>(kernel: &Kernel<P::Arch>, spec: &TaskSpec<'_, Program<P>>, cpus: Option<u32>) -> Result<Started, String> {
    let failed = |e: &dyn core::fmt::Display| format!("task '{}': {e}", spec.name);
    let number = P::tasks().with(|tasks| tasks.len() + 1);
    let mut space = P::Space::new(number)?;
    let entry = space.load(spec.program).map_err(|e| failed(&e))?;
    let domain = kernel
        .domain_create(spec.name, DomainKind::UserApp, space.token(), spec.priority)
        .map_err(|e| failed(&e))?;
    // Under the registry's lock: the stack's room is checked and taken with nothing between.
    let made = P::tasks().with(|tasks| {
        let sp = space.next_stack()?;
        let thread = new_user_thread::<P>(kernel, domain, spec.name, spec.priority, entry, sp, spec.arg)?;
        if let Some(cpus) = cpus {
            if let Err(error) = kernel.thread_set_affinity(thread, cpus) {
                let _ = kernel.thread_discard(thread);
                return Err(error);
            }
        }
        // Nothing below fails (the room was checked); if it did, the thread goes again.
        if space.add_stack() != Ok(sp) {
            let _ = kernel.thread_discard(thread);
            return Err(Error::BadState);
        }
        let mut task = Task::<P>::new(spec.name, domain, spec.priority, space, entry.mode, spec.grants);
        task.scheduling_advisor = spec.scheduling_advisor;
        tasks.push(task);
        Ok(thread)
    });
    // The tasks go with the kernel they run on.
    P::slot().forget_with_kernel(|| P::tasks().clear());
    let thread = match made {
        Ok(thread) => thread,
        Err(error) => {
            // Not yet anyone's: stopping it ends nothing, destroying it frees its slot.
            let _ = kernel.domain_stop(domain, 0);
            let _ = kernel.domain_destroy(domain);
            return Err(failed(&error));
        }
    };
    // Outside the lock: starting may switch to it. A thread just created always starts.
    kernel.thread_start(thread).map_err(|e| failed(&e))?;
    Ok(Started { domain, thread })
}

/// Creates (not starts) a thread of `domain` that will enter user mode at `entry` on user
/// stack `sp`.
fn new_user_thread<P: TaskPlatform>(
    kernel: &Kernel<P::Arch>,
    domain: DomainId,
    name: &str,
    priority: u8,
    entry: Entry<<P::Space as UserSpace>::Mode>,
    sp: usize,
    arg: usize,
) -> Result<Handle, Error> {
    let entry = Box::new(move || -> i32 { P::Space::enter(entry.mode, entry.pc, sp, arg) });
    kernel.thread_create_in(domain, name, priority, P::KERNEL_STACK, entry)
}

/// `thread_create` for the calling task: a new user thread at `pc` with a fresh stack and a
/// handle in the task's table; returns the user handle.
///
/// All or nothing (#23): every step that can fail runs before anything is made — the
/// handle's room and the stack's are checked, then the kernel makes the thread (undoing its
/// own work if it fails) — and only then are the stack and handle added and the thread
/// started. All but the start under the registry's lock, so no other thread of the task takes
/// the room checked for.
pub fn create_thread<P: TaskPlatform>(domain: DomainId, pc: usize, arg: usize, priority: u8) -> Result<usize, Error> {
    let kernel = P::kernel();
    // Before the name copy and the entry box below.
    if kernel.is_sealed() {
        return Err(Error::Sealed);
    }
    P::tasks().with_task(domain, |task| {
        if !task.space.may_start_at(task.mode, pc) || priority > task.max_priority {
            return Err(Error::InvalidArgument);
        }
        task.handle_room(kernel.is_sealed())?;
        let sp = task.space.next_stack()?;
        let name = task.name.clone();
        let thread = new_user_thread::<P>(kernel, domain, &name, priority, Entry { pc, mode: task.mode }, sp, arg)?;
        // Nothing below fails (room checked above); if it did, the thread goes again.
        let added = task.space.add_stack().and_then(|top| if top == sp { Ok(()) } else { Err(Error::BadState) });
        let user = match added.and_then(|()| task.add_handle(thread, kernel.is_sealed())) {
            Ok(user) => user,
            Err(error) => {
                let _ = kernel.thread_discard(thread);
                return Err(error);
            }
        };
        // The caller is this task: its space changed under it.
        task.space.reload();
        Ok((user, thread))
    })
    .and_then(|(user, thread)| {
        // Outside the lock: starting may switch to the new thread. A thread just created
        // always starts.
        kernel.thread_start(thread)?;
        Ok(user)
    })
}

/// Stops the calling task after a fault or a bad call: reports it, destroys the objects it
/// created (waking their waiters in other tasks), and ends all its threads with `code`.
pub fn stop_current<P: TaskPlatform>(code: i32, why: core::fmt::Arguments<'_>) -> ! {
    let kernel = P::kernel();
    let domain = kernel.current_domain().unwrap_or(DomainId::KERNEL);
    // Nothing on this stack may own heap memory past here: `domain_stop` does not return.
    let created = P::tasks().with(|tasks| match tasks.iter_mut().find(|t| t.domain == domain) {
        Some(task) => {
            crate::println!(P, "wells: task '{}' stopped: {why}", task.name);
            core::mem::take(&mut task.created)
        }
        None => {
            crate::println!(P, "wells: a task (domain {}) stopped: {why}", domain.0);
            Vec::new()
        }
    });
    destroy::<P>(created);
    let _ = kernel.domain_stop(domain, code);
    // Only reached if the caller was not in a task (a kernel bug): park this thread.
    let _ = kernel.thread_exit(code);
    loop {
        P::wait_for_interrupt();
    }
}

/// `exit` of the calling thread: when it is its task's last, what the task created goes too,
/// as when a task is stopped (its handles were its own: nobody else can use the objects).
pub fn exit_current<P: TaskPlatform>(code: i32) -> Error {
    let kernel = P::kernel();
    if let Ok(domain) = kernel.current_domain() {
        if kernel.domain_live_threads(domain) == 1 {
            let created = P::tasks().with_task(domain, |task| Ok(core::mem::take(&mut task.created))).unwrap_or_default();
            destroy::<P>(created);
        }
    }
    kernel.thread_exit(code)
}

/// Destroys a task's objects (waking their waiters).
fn destroy<P: TaskPlatform>(created: Vec<Handle>) {
    for object in created {
        destroy_object::<P>(object);
    }
}

/// Destroys one object a task created (a mutex, semaphore or event: the kinds tasks create),
/// waking its waiters.
pub fn destroy_object<P: TaskPlatform>(object: Handle) {
    let kernel = P::kernel();
    let _ = kernel.mutex_destroy(object).or_else(|_| kernel.semaphore_destroy(object)).or_else(|_| kernel.event_destroy(object));
}
