//! The resource view: one model for what every manager level manages.
//!
//! A [`Domain`] is a protection domain of the level below (a user app for a supervisor, a VM for
//! a hypervisor, a world for a monitor, a task group for an administrator). An [`Exec`] is
//! something schedulable inside a domain (a thread, a vCPU, a world context). The kernel's own
//! domain, user apps (supervisor level) and VMs (hypervisor level, whose threads are their
//! vCPUs) exist today; later levels add kinds, not new models.

use alloc::string::String;
use alloc::vec::Vec;

/// Index of a domain in the kernel's domain list; 0 is the kernel's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainId(pub u16);

impl DomainId {
    /// The kernel's own domain.
    pub const KERNEL: DomainId = DomainId(0);
}

/// What a domain is to the level managing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    /// The manager itself.
    Kernel,
    /// A user application (supervisor level).
    UserApp,
    /// A virtual machine (hypervisor level).
    VirtualMachine,
    /// A secure or non-secure world (monitor level).
    World,
    /// A group of tasks inside a host OS (administrator level).
    TaskGroup,
}

/// Access rights of a memory grant (a bit set: `Rights::READ | Rights::WRITE`).
///
/// A plain bit set rather than `bitflags`: that crate's `std` feature, switched on by host
/// tools built in the same workspace, would pull `std` into this `no_std` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rights(u8);

impl Rights {
    pub const READ: Rights = Rights(1);
    pub const WRITE: Rights = Rights(2);
    pub const EXECUTE: Rights = Rights(4);

    /// True when every right of `other` is here.
    pub const fn contains(self, other: Rights) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for Rights {
    type Output = Rights;
    fn bitor(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }
}

/// A CPU budget: the domain's threads together run at most `budget_ns` in every `period_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuBudget {
    pub budget_ns: u64,
    pub period_ns: u64,
}

/// Where a budgeted domain stands in its current period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BudgetState {
    /// CPU time its threads used in the current period.
    pub used_ns: u64,
    /// When the current period ends.
    pub period_end_ns: u64,
    /// Its runnable threads taken off the CPU until the next period (state `Throttled`).
    pub parked: Vec<crate::handle::Handle>,
    /// The timeline entry that starts the next period of a throttled domain.
    pub replenish_key: Option<crate::kernel::timeline::TimelineKey>,
}

impl BudgetState {
    /// The budget of this period is used up: its threads wait for the next period (which the
    /// timeline entry starts).
    pub fn throttled(&self) -> bool {
        self.replenish_key.is_some()
    }
}

/// A memory region granted to a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryGrant {
    pub base: usize,
    pub size: usize,
    pub rights: Rights,
}

/// A protection domain and what it was granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub id: DomainId,
    pub name: String,
    pub kind: DomainKind,
    pub memory: Vec<MemoryGrant>,
    /// Interrupt lines routed to the domain.
    pub irqs: Vec<u32>,
    /// Highest priority its execs may take.
    pub max_priority: u8,
    /// CPU budget per period, `None` when unlimited.
    pub cpu_budget: Option<CpuBudget>,
    /// Its use of the budget.
    pub budget: BudgetState,
    /// The arch's token for the domain's address space (`Arch::switch_space`); 0 = the
    /// kernel's own.
    pub space: usize,
    /// Stopped (after a fault or on request): its threads are gone and no new one starts.
    pub stopped: bool,
    /// Destroyed: the slot waits for the next domain created (its id is then reused).
    pub destroyed: bool,
}

impl Domain {
    /// The kernel's own domain: everything, unlimited.
    pub fn kernel() -> Domain {
        Domain {
            id: DomainId::KERNEL,
            name: String::from("kernel"),
            kind: DomainKind::Kernel,
            memory: Vec::new(),
            irqs: Vec::new(),
            max_priority: crate::sched::PRIORITY_MAX,
            cpu_budget: None,
            budget: BudgetState::default(),
            space: 0,
            stopped: false,
            destroyed: false,
        }
    }

    /// CPU time left in the current period at `now_ns` (`None`: unlimited). A period that has
    /// ended without a new charge counts as a fresh one.
    pub fn budget_left(&self, now_ns: u64) -> Option<u64> {
        let budget = self.cpu_budget?;
        if self.budget.throttled() {
            return Some(0);
        }
        if now_ns >= self.budget.period_end_ns {
            return Some(budget.budget_ns);
        }
        Some(budget.budget_ns.saturating_sub(self.budget.used_ns))
    }

    /// A new domain of `kind` with the address space `space`.
    pub fn new(id: DomainId, name: &str, kind: DomainKind, space: usize) -> Domain {
        Domain { id, name: String::from(name), kind, space, ..Domain::kernel() }
    }
}

/// What kind of schedulable thing an Exec is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecKind {
    /// A kernel or user thread.
    Thread,
    /// A virtual CPU of a VM.
    Vcpu,
    /// A world context of the monitor.
    WorldContext,
}

/// A schedulable entity and the domain it runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exec {
    pub domain: DomainId,
    pub kind: ExecKind,
}

impl Exec {
    /// A thread of the kernel domain.
    pub const KERNEL_THREAD: Exec = Exec { domain: DomainId::KERNEL, kind: ExecKind::Thread };
}
