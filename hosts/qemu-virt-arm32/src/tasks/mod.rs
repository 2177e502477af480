//! User tasks: each a domain of the kernel with its own address space (ASID-tagged), loaded
//! from an ELF image, running its threads in USR mode. This module keeps the board's record of
//! them: address space, memory regions, the task's private handle table, granted ports.

mod loader;
pub mod syscalls;
pub mod user_memory;

use crate::board::{kernel, BoardKernel};
use crate::memory::kernel_space;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use user_memory::{Region, UserMemory};
use wells_core::arch::arm::enter_user;
use wells_core::arch::arm::mmu::{Access, AddressSpace, Memory, PAGE};
use wells_core::domain::{DomainId, DomainKind};
use wells_core::{Arch, Error, Handle};

/// Lowest address of a task's image.
pub const USER_BASE: usize = 0x8000_0000;
/// Thread stacks grow down from here, one slot per thread.
pub const USER_STACKS_TOP: usize = 0xC000_0000;
/// User stack of one thread.
pub const USER_STACK_SIZE: usize = 16 * 1024;
/// Kernel stack of a user thread (its exceptions and system calls run there).
const KERNEL_STACK_SIZE: usize = 16 * 1024;
/// Most threads one task may create over its life (stack slots are not reused).
const MAX_STACK_SLOTS: usize = 64;

/// One page of task memory.
#[repr(C, align(4096))]
pub struct Page(pub [u8; PAGE]);

/// A user task.
pub struct Task {
    pub name: String,
    pub domain: DomainId,
    pub max_priority: u8,
    space: AddressSpace,
    pages: Vec<Box<Page>>,
    pub memory: UserMemory,
    /// The task's handles: user handle `n` is `handles[n]`.
    handles: Vec<Option<Handle>>,
    /// Objects the task created: destroyed when it is stopped.
    pub created: Vec<Handle>,
    /// Objects granted by name (ports, shared objects, transactions).
    ports: Vec<(String, Handle)>,
    next_stack_slot: usize,
}

static TASKS: spin::Mutex<Vec<Task>> = spin::Mutex::new(Vec::new());

/// Runs `f` on the task registry with interrupts masked (a timer interrupt must not switch
/// to a thread that wants the registry while this one holds it).
pub fn with_tasks<R>(f: impl FnOnce(&mut Vec<Task>) -> R) -> R {
    let cpu = wells_core::arch::arm::Armv7a;
    let were_enabled = cpu.irq_save();
    let r = f(&mut TASKS.lock());
    cpu.irq_restore(were_enabled);
    r
}

/// Runs `f` on the task of `domain`.
pub fn with_task<R>(domain: DomainId, f: impl FnOnce(&mut Task) -> Result<R, Error>) -> Result<R, Error> {
    with_tasks(|tasks| match tasks.iter_mut().find(|t| t.domain == domain) {
        Some(task) => f(task),
        None => Err(Error::BadContext),
    })
}

/// Forgets every task (their memory and tables are freed): the kernel they ran on is gone.
pub(crate) fn clear() {
    let tasks = with_tasks(core::mem::take);
    drop(tasks);
}

impl Task {
    /// Adds a kernel object to the task's handle table; returns the user handle.
    pub fn add_handle(&mut self, handle: Handle) -> Result<usize, Error> {
        if let Some(free) = self.handles.iter().position(Option::is_none) {
            self.handles[free] = Some(handle);
            return Ok(free);
        }
        if self.handles.len() >= 1024 {
            return Err(Error::Limit);
        }
        self.handles.push(Some(handle));
        Ok(self.handles.len() - 1)
    }

    /// The kernel object behind a user handle.
    pub fn handle(&self, user: usize) -> Result<Handle, Error> {
        self.handles.get(user).copied().flatten().ok_or(Error::InvalidHandle)
    }

    /// Drops a user handle (after join).
    pub fn forget_handle(&mut self, user: usize) {
        if let Some(slot) = self.handles.get_mut(user) {
            *slot = None;
        }
    }

    /// An object granted to the task by name.
    pub fn port(&self, name: &[u8]) -> Option<Handle> {
        self.ports.iter().find(|(n, _)| n.as_bytes() == name).map(|&(_, h)| h)
    }

    /// Maps a fresh user stack (with an unmapped guard page below it); returns its top.
    fn map_stack(&mut self) -> Result<usize, Error> {
        if self.next_stack_slot >= MAX_STACK_SLOTS {
            return Err(Error::Limit);
        }
        let slot = self.next_stack_slot;
        self.next_stack_slot += 1;
        let top = USER_STACKS_TOP - slot * (USER_STACK_SIZE + PAGE);
        let bottom = top - USER_STACK_SIZE;
        let access = Access { kind: Memory::Normal, user: true, writable: true, executable: false };
        for va in (bottom..top).step_by(PAGE) {
            let page = Box::new(Page([0; PAGE]));
            self.space.map_page(va, page.0.as_ptr() as usize, access);
            self.pages.push(page);
        }
        self.memory.add(Region { start: bottom, end: top, writable: true, executable: false });
        Ok(top)
    }
}

/// How to start a task.
pub struct TaskSpec<'a> {
    pub name: &'a str,
    pub elf: &'a [u8],
    pub priority: u8,
    /// Passed to the program's entry in x0/r0.
    pub arg: usize,
    /// Objects it may open by name: ports, shared objects, transactions.
    pub ports: &'a [(&'a str, Handle)],
}

/// A started task: its domain and first thread.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    pub domain: DomainId,
    pub thread: Handle,
}

/// Loads and starts a task on `kernel`.
pub fn spawn(kernel: &BoardKernel, spec: &TaskSpec<'_>) -> Result<Started, String> {
    let asid = with_tasks(|tasks| tasks.len() + 1);
    if asid > 255 {
        return Err(String::from("out of address-space IDs"));
    }
    let mut space = AddressSpace::sharing_kernel(kernel_space(), asid as u8);
    space.flush_asid();
    let (mut memory, mut pages) = (UserMemory::default(), Vec::new());
    let loaded = loader::load(spec.elf, &mut space, &mut memory, &mut pages)
        .map_err(|e| alloc::format!("task '{}': {e}", spec.name))?;
    let domain = kernel
        .domain_create(spec.name, DomainKind::UserApp, space.token(), spec.priority)
        .map_err(|e| alloc::format!("task '{}': {e}", spec.name))?;
    let mut task = Task {
        name: String::from(spec.name),
        domain,
        max_priority: spec.priority,
        space,
        pages,
        memory,
        handles: Vec::new(),
        created: Vec::new(),
        ports: spec.ports.iter().map(|&(n, h)| (String::from(n), h)).collect(),
        next_stack_slot: 0,
    };
    let stack = task.map_stack().map_err(|e| alloc::format!("task '{}': {e}", spec.name))?;
    with_tasks(|tasks| tasks.push(task));
    let thread = start_user_thread(kernel, domain, spec.name, spec.priority, loaded.entry, stack, spec.arg)
        .map_err(|e| alloc::format!("task '{}': {e}", spec.name))?;
    Ok(Started { domain, thread })
}

/// Creates and starts a thread of `domain` that enters USR mode at `pc` (Thumb when bit 0 is
/// set) on user stack `sp`.
fn start_user_thread(
    kernel: &BoardKernel,
    domain: DomainId,
    name: &str,
    priority: u8,
    pc: usize,
    sp: usize,
    arg: usize,
) -> Result<Handle, Error> {
    let entry = Box::new(move || -> i32 { enter_user(pc & !1, sp, arg, pc & 1 == 1) });
    let thread = kernel.thread_create_in(domain, name, priority, KERNEL_STACK_SIZE, entry)?;
    kernel.thread_start(thread)?;
    Ok(thread)
}

/// `thread_create` for the calling task: a new user thread at `pc` with a fresh stack.
pub fn create_thread(domain: DomainId, pc: usize, arg: usize, priority: u8) -> Result<Handle, Error> {
    let (name, sp) = with_task(domain, |task| {
        if !task.memory.executable(pc & !1) {
            return Err(Error::InvalidArgument);
        }
        if priority > task.max_priority {
            return Err(Error::InvalidArgument);
        }
        Ok((task.name.clone(), task.map_stack()?))
    })?;
    start_user_thread(kernel(), domain, &name, priority, pc, sp, arg)
}

/// Stops the calling task after a fault or a bad call: reports it, destroys the objects it
/// created (waking their waiters in other tasks), and ends all its threads with `code`.
pub fn stop_current(code: i32, why: core::fmt::Arguments<'_>) -> ! {
    let kernel = kernel();
    let domain = kernel.current_domain().unwrap_or(DomainId::KERNEL);
    // Nothing on this stack may own heap memory past here: `domain_stop` does not return.
    let created = with_tasks(|tasks| match tasks.iter_mut().find(|t| t.domain == domain) {
        Some(task) => {
            crate::println!("wells: task '{}' stopped: {why}", task.name);
            core::mem::take(&mut task.created)
        }
        None => {
            crate::println!("wells: a task (domain {}) stopped: {why}", domain.0);
            Vec::new()
        }
    });
    for object in created {
        let _ = kernel
            .mutex_destroy(object)
            .or_else(|_| kernel.semaphore_destroy(object))
            .or_else(|_| kernel.event_destroy(object));
    }
    let _ = kernel.domain_stop(domain, code);
    // Only reached if the caller was not in a task (a kernel bug): park this thread.
    let _ = kernel.thread_exit(code);
    loop {
        wells_core::arch::arm::wait_for_interrupt();
    }
}
