//! User tasks: each a domain of the kernel whose threads run in unprivileged thread mode, with
//! RAM from a static pool of slots (one MPU region each). Their code is part of this image
//! (`programs.rs`): all tasks may read and execute the image, none may touch kernel RAM,
//! devices or another task's RAM (with the MPU on). This module keeps the board's record of
//! them: regions, the task's private handle table, granted ports.

pub mod programs;
pub mod syscalls;
pub mod user;

use crate::board::{kernel, BoardKernel, CPU};
use alloc::boxed::Box;
use alloc::vec::Vec;
use wells_core::arch::armv7m::enter_user;
use wells_core::arch::armv7m::mpu::{self, Access, Region, RegionSet};
use wells_core::domain::{DomainId, DomainKind};
use wells_core::{Arch, Error, Handle};

/// One slot of task RAM: a thread's user stack (and nothing else: task code has no statics).
pub const SLOT_SIZE: usize = 2048;
/// Slots in the pool.
const SLOTS: usize = 16;
/// Kernel stack of a user thread (its system calls and traps run there).
const KERNEL_STACK_SIZE: usize = 2048;

#[repr(C, align(2048))]
struct Slot([u8; SLOT_SIZE]);

#[link_section = ".task_ram"]
static mut TASK_RAM: [Slot; SLOTS] = [const { Slot([0; SLOT_SIZE]) }; SLOTS];

/// Slots in use (bit n = slot n), changed only under `with_tasks`.
static mut SLOTS_USED: u32 = 0;

fn slot_base(n: usize) -> usize {
    (&raw const TASK_RAM) as usize + n * SLOT_SIZE
}

/// The code a task's thread starts at: `arg` in r0; it must end with the `exit` call.
pub type Program = extern "C" fn(usize) -> !;

/// A user task.
pub struct Task {
    pub name: &'static str,
    pub domain: DomainId,
    pub max_priority: u8,
    /// The MPU regions; boxed so its address (the domain's space token) stays put.
    regions: Box<RegionSet>,
    slots: Vec<usize>,
    handles: Vec<Option<Handle>>,
    /// Objects the task created: destroyed when it is stopped.
    pub created: Vec<Handle>,
    ports: Vec<(&'static str, Handle)>,
}

static TASKS: spin::Mutex<Vec<Task>> = spin::Mutex::new(Vec::new());

/// Runs `f` on the task registry with interrupts masked.
pub fn with_tasks<R>(f: impl FnOnce(&mut Vec<Task>) -> R) -> R {
    let were_enabled = CPU.irq_save();
    let r = f(&mut TASKS.lock());
    CPU.irq_restore(were_enabled);
    r
}

/// Runs `f` on the task of `domain`.
pub fn with_task<R>(domain: DomainId, f: impl FnOnce(&mut Task) -> Result<R, Error>) -> Result<R, Error> {
    with_tasks(|tasks| match tasks.iter_mut().find(|t| t.domain == domain) {
        Some(task) => f(task),
        None => Err(Error::BadContext),
    })
}

/// Forgets every task and frees their slots: the kernel they ran on is gone.
pub(crate) fn clear() {
    let tasks = with_tasks(|tasks| {
        // SAFETY: the pool bitmap is only touched with the registry locked.
        unsafe { SLOTS_USED = 0 };
        core::mem::take(tasks)
    });
    drop(tasks);
}

fn take_slot() -> Result<usize, Error> {
    // SAFETY: called with the registry locked (see `with_tasks`).
    unsafe {
        let free = (!SLOTS_USED).trailing_zeros() as usize;
        if free >= SLOTS {
            return Err(Error::NoMemory);
        }
        SLOTS_USED |= 1 << free;
        Ok(free)
    }
}

/// True when the MPU isolates tasks in this build.
pub fn mpu_on() -> bool {
    mpu::enabled()
}

extern "C" {
    static __flash_end: u8;
}

fn flash_end() -> usize {
    &raw const __flash_end as usize
}

/// The image: readable and executable by every task (region 0); the vector table below 256
/// bytes is kernel-only (region 3), so a NULL access faults.
#[cfg(not(feature = "no-mpu"))]
pub(crate) fn mpu_init() {
    if mpu::regions() < 8 {
        crate::println!("wells: no 8-region MPU; tasks not isolated");
        return;
    }
    let image = flash_end().next_power_of_two().max(32);
    mpu::set_fixed(0, &Region { base: 0, size: image, access: Access::ReadExecute }).expect("image region");
    mpu::set_fixed(3, &Region { base: 0, size: 256, access: Access::Guard }).expect("null guard");
    mpu::enable();
}

impl Task {
    /// Adds a kernel object to the task's handle table; returns the user handle.
    pub fn add_handle(&mut self, handle: Handle) -> Result<usize, Error> {
        if let Some(free) = self.handles.iter().position(Option::is_none) {
            self.handles[free] = Some(handle);
            return Ok(free);
        }
        if self.handles.len() >= 64 {
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

    /// A port granted to the task by name.
    pub fn port(&self, name: &[u8]) -> Option<Handle> {
        self.ports.iter().find(|(n, _)| n.as_bytes() == name).map(|&(_, h)| h)
    }

    /// True when `[start, start + len)` is the task's RAM, or (reading only) the image.
    pub fn may_access(&self, start: usize, len: usize, write: bool) -> bool {
        let Some(end) = start.checked_add(len) else { return false };
        let in_slot = self.slots.iter().any(|&n| slot_base(n) <= start && end <= slot_base(n) + SLOT_SIZE);
        // The image minus the kernel-only vector table.
        let in_image = !write && start >= 256 && end <= flash_end();
        in_slot || in_image
    }

    /// A fresh stack slot (one more MPU region); returns its top.
    fn add_stack(&mut self) -> Result<usize, Error> {
        if self.slots.len() >= mpu::TASK_REGIONS {
            return Err(Error::Limit);
        }
        let slot = take_slot()?;
        self.slots.push(slot);
        let regions: Vec<Region> = self
            .slots
            .iter()
            .map(|&n| Region { base: slot_base(n), size: SLOT_SIZE, access: Access::ReadWrite })
            .collect();
        *self.regions = RegionSet::new(&regions).ok_or(Error::InvalidArgument)?;
        Ok(slot_base(slot) + SLOT_SIZE)
    }

    /// Base address of the task's first RAM slot (tests hand it to other tasks to poke at).
    pub fn ram(&self) -> usize {
        slot_base(self.slots[0])
    }
}

/// How to start a task.
pub struct TaskSpec<'a> {
    pub name: &'static str,
    pub program: Program,
    pub priority: u8,
    /// Passed to the program in r0.
    pub arg: usize,
    /// Ports it may open, by name.
    pub ports: &'a [(&'static str, Handle)],
}

/// A started task: its domain and first thread.
#[derive(Debug, Clone, Copy)]
pub struct Started {
    pub domain: DomainId,
    pub thread: Handle,
}

/// Creates and starts a task on `kernel`.
pub fn spawn(kernel: &BoardKernel, spec: &TaskSpec<'_>) -> Result<Started, Error> {
    let regions = Box::new(RegionSet::default());
    let space = &*regions as *const RegionSet as usize;
    let domain = kernel.domain_create(spec.name, DomainKind::UserApp, space, spec.priority)?;
    let mut task = Task {
        name: spec.name,
        domain,
        max_priority: spec.priority,
        regions,
        slots: Vec::new(),
        handles: Vec::new(),
        created: Vec::new(),
        ports: spec.ports.to_vec(),
    };
    let stack = with_tasks(|_| task.add_stack())?;
    with_tasks(|tasks| tasks.push(task));
    let thread = start_user_thread(kernel, domain, spec.name, spec.priority, spec.program as usize, stack, spec.arg)?;
    Ok(Started { domain, thread })
}

/// Creates and starts a thread of `domain` that enters unprivileged mode at `pc` on `sp`.
fn start_user_thread(kernel: &BoardKernel, domain: DomainId, name: &str, priority: u8, pc: usize, sp: usize, arg: usize) -> Result<Handle, Error> {
    let entry = Box::new(move || -> i32 { enter_user(pc, sp, arg) });
    let thread = kernel.thread_create_in(domain, name, priority, KERNEL_STACK_SIZE, entry)?;
    kernel.thread_start(thread)?;
    Ok(thread)
}

/// `thread_create` for the calling task: a new user thread at `pc` with a fresh stack slot.
pub fn create_thread(domain: DomainId, pc: usize, arg: usize, priority: u8) -> Result<Handle, Error> {
    let (name, sp) = with_task(domain, |task| {
        if pc & 1 == 0 || !task.may_access(pc & !1, 2, false) || priority > task.max_priority {
            return Err(Error::InvalidArgument);
        }
        let sp = task.add_stack()?;
        // The caller is this task: its regions changed under it (the scheduler only reloads
        // them when the domain changes).
        mpu::activate(&*task.regions as *const RegionSet as usize);
        Ok((task.name, sp))
    })?;
    start_user_thread(kernel(), domain, name, priority, pc, sp, arg)
}

/// Stops the calling task after a fault or a bad call: reports it, destroys the objects it
/// created (waking their waiters in other tasks), and ends all its threads with `code`.
pub fn stop_current(code: i32, why: core::fmt::Arguments<'_>) -> ! {
    let kernel = kernel();
    let domain = kernel.current_domain().unwrap_or(DomainId::KERNEL);
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
    let _ = kernel.thread_exit(code);
    loop {
        wells_core::arch::armv7m::wait_for_interrupt();
    }
}
