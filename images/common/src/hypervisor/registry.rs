//! The board's record of its VMs: what each was given, its console, how it ended.

use super::console::VirtualUart;
use crate::hypervisor::vgic::VirtualDistributor;
use super::ram::GuestRam;
use super::vcpu::this_cpu;
use super::{Devices, GuestSpace, OnFault, VcpuRegisters, VmPlatform};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::domain::DomainId;
use wells_core::{Arch, Handle};

/// How a VM ended, or that it has not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Running,
    /// PSCI SYSTEM_OFF, with the status the guest put in x1.
    Off(u64),
    /// Stopped by the hypervisor (a fault, or restarts used up), and why.
    Stopped(String),
}

/// One VM.
pub struct Vm<P: VmPlatform> {
    pub name: String,
    pub domain: DomainId,
    pub vmid: u8,
    pub space: P::Space,
    pub ram: GuestRam,
    pub ram_base: usize,
    pub image: &'static [u8],
    /// Its image is a Linux kernel (`linux`): the debug and performance-monitor registers it
    /// clears at boot read as zero and ignore writes rather than stop it.
    pub linux: bool,
    pub arg: u64,
    pub on_fault: OnFault,
    /// Restarts after faults (bounded by `on_fault`).
    pub fault_restarts: u32,
    /// Every restart: after faults and SYSTEM_RESET.
    pub restarts: u32,
    pub console: VirtualUart,
    pub distributor: VirtualDistributor,
    pub devices: Devices,
    pub ports: Vec<Handle>,
    pub outcome: Outcome,
    /// The vCPU restarting the whole VM, while it does (`lifecycle::restart`): no vCPU enters
    /// the guest meanwhile.
    pub resetting: Option<u8>,
    /// Its vCPUs, by CPU number (what each guest CPU reads in MPIDR affinity 0).
    pub vcpus: Vec<VcpuSlot<P>>,
}

/// One vCPU of a VM.
pub struct VcpuSlot<P: VmPlatform> {
    /// The save area of its guest registers (boxed: its address is handed to its thread).
    pub registers: Box<P::Vcpu>,
    /// Its kernel thread, once it was turned on (vCPU 0 at start, the others by PSCI CPU_ON).
    pub thread: Option<Handle>,
    /// On: its thread runs its guest (PSCI AFFINITY_INFO answers ON); off before CPU_ON and
    /// after CPU_OFF.
    pub on: bool,
    /// Where it starts, from CPU_ON until its thread takes it.
    pub entry: Option<super::GuestEntry>,
    /// Out of its guest, waiting to be turned on (`lifecycle::wait_until_on`): a restart of
    /// the VM waits until every vCPU is.
    pub stopped: bool,
    /// Set when an SGI is sent to it or it is turned on: ends its wait for an interrupt (WFI)
    /// or for CPU_ON. A VM with one vCPU has none (nothing else sends it anything).
    pub wake: Option<Handle>,
}

impl<P: VmPlatform> VcpuSlot<P> {
    /// The address of its save area, as the CPU's [`super::LoadedVcpu`] records it.
    pub fn address(&self) -> usize {
        &*self.registers as *const P::Vcpu as usize
    }
}

impl<P: VmPlatform> Vm<P> {
    /// The physical address of `[ipa, ipa + len)` when it lies inside the VM's RAM.
    pub fn ram_range(&self, ipa: u64, len: u64) -> Option<usize> {
        let start = usize::try_from(ipa).ok()?.checked_sub(self.ram_base)?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        (end <= self.ram.size()).then(|| self.ram.address() + start)
    }
}

/// What a test or the demo learns about a VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmReport {
    pub name: String,
    pub outcome: Outcome,
    pub restarts: u32,
    /// Console lines it printed.
    pub lines: usize,
    /// Per vCPU: the physical CPUs it ran on (bit n: CPU n).
    pub vcpu_cpus: Vec<u32>,
}

struct State<P: VmPlatform> {
    vms: Vec<Vm<P>>,
    /// VMIDs handed out so far; those of destroyed VMs wait in `free_vmids` to be used again.
    vmids: usize,
    free_vmids: Vec<u8>,
    /// Which VM (VMID) printed each console line, in order (the first `TRANSCRIPT_MAX`).
    transcript: Vec<u8>,
}

const TRANSCRIPT_MAX: usize = 4096;

/// The VMs of the kernel of the moment; a board with VMs has one, in a static.
pub struct Vms<P: VmPlatform>(spin::Mutex<State<P>>);

impl<P: VmPlatform> Vms<P> {
    pub const fn new() -> Self {
        Vms(spin::Mutex::new(State { vms: Vec::new(), vmids: 0, free_vmids: Vec::new(), transcript: Vec::new() }))
    }

    /// Runs `f` on the VMs with interrupts masked (a timer interrupt must not switch to a
    /// vCPU that wants the registry while this one holds it).
    fn with<R>(&self, f: impl FnOnce(&mut State<P>) -> R) -> R {
        let were_enabled = P::cpu().irq_save();
        let r = f(&mut self.0.lock());
        P::cpu().irq_restore(were_enabled);
        r
    }

    pub(crate) fn add(&self, vm: Vm<P>) {
        self.with(|s| s.vms.push(vm));
        // The VMs go with the kernel they run on.
        P::slot().forget_with_kernel(|| P::vms().clear());
    }

    /// A VMID no other VM of this kernel has (1..=255), or `None` when all are taken. A VMID
    /// given back by `remove` comes first (its TLB entries were flushed then).
    pub(crate) fn reserve_vmid(&self) -> Option<u8> {
        self.with(|s| {
            if let Some(vmid) = s.free_vmids.pop() {
                return Some(vmid);
            }
            let vmid = u8::try_from(s.vmids + 1).ok()?;
            s.vmids += 1;
            Some(vmid)
        })
    }

    /// Gives back a VMID reserved for a VM that did not start, with its record if it got one.
    pub(crate) fn release_vmid(&self, vmid: u8) {
        let record = self.with(|s| {
            s.free_vmids.push(vmid);
            let index = s.vms.iter().position(|vm| vm.vmid == vmid)?;
            Some(s.vms.remove(index))
        });
        drop(record);
    }

    /// Takes VM `domain` out of the registry: if the CPU held its vCPU's registers, they are
    /// silenced and forgotten; its VMID's TLB entries are flushed and the VMID is free again.
    /// The caller drops the record (its RAM and tables).
    pub(crate) fn remove(&self, domain: DomainId) -> Option<Vm<P>> {
        self.with(|s| {
            let index = s.vms.iter().position(|vm| vm.domain == domain)?;
            let vm = s.vms.remove(index);
            let going = |area: usize| vm.vcpus.iter().any(|vcpu| vcpu.address() == area);
            P::loaded().forget_where::<P::Vcpu>(this_cpu::<P>(), going);
            vm.space.flush();
            s.free_vmids.push(vm.vmid);
            Some(vm)
        })
    }

    /// Runs `f` on the VM of `domain` (`None` if there is none).
    pub(crate) fn with_vm<R>(&self, domain: DomainId, f: impl FnOnce(&mut Vm<P>) -> R) -> Option<R> {
        self.with(|s| s.vms.iter_mut().find(|vm| vm.domain == domain).map(f))
    }

    /// Runs `f` on the VM whose vCPU is running now.
    pub(crate) fn with_current<R>(&self, f: impl FnOnce(&mut Vm<P>) -> R) -> Option<R> {
        let domain = P::kernel().current_domain().ok()?;
        self.with_vm(domain, f)
    }

    /// Runs `f` on the VM whose vCPU is running now and that vCPU's number. While a vCPU's
    /// exit is handled the CPU holds its registers, so it is the loaded one.
    pub(crate) fn with_current_vcpu<R>(&self, f: impl FnOnce(&mut Vm<P>, usize) -> R) -> Option<R> {
        let loaded = P::loaded().get(this_cpu::<P>());
        self.with_current(|vm| {
            let cpu = vm.vcpus.iter().position(|vcpu| vcpu.address() == loaded)?;
            Some(f(vm, cpu))
        })
        .flatten()
    }

    /// Runs `f` on the VM whose vCPU thread is running now and that vCPU's number, found by
    /// its thread (the CPU may hold another vCPU's registers by now, after a wait).
    pub(crate) fn with_this_vcpu<R>(&self, f: impl FnOnce(&mut Vm<P>, usize) -> R) -> Option<R> {
        let thread = P::kernel().current_thread().ok()?;
        self.with_current(|vm| {
            let cpu = vm.vcpus.iter().position(|vcpu| vcpu.thread == Some(thread))?;
            Some(f(vm, cpu))
        })
        .flatten()
    }

    /// Text the VM of `domain` wrote to its console (UART data register or hypercall): each
    /// completed line goes out prefixed with the VM's name. Lines are taken and printed with
    /// the registry locked, so no line buffer is ever left on a vCPU stack.
    pub(crate) fn console_write(&self, domain: DomainId, bytes: &[u8]) {
        self.with(|s| {
            let Some(index) = s.vms.iter().position(|vm| vm.domain == domain) else { return };
            for &byte in bytes {
                let Some(line) = s.vms[index].console.push(byte) else { continue };
                if s.transcript.capacity() == 0 {
                    // All of it at once: the heap must not creep up while guests print (the
                    // soak checks that it stays exactly where it was).
                    s.transcript.reserve_exact(TRANSCRIPT_MAX);
                }
                if s.transcript.len() < TRANSCRIPT_MAX {
                    s.transcript.push(s.vms[index].vmid);
                }
                crate::println!(P, "[{}] {}", s.vms[index].name, String::from_utf8_lossy(&line));
            }
        });
    }

    /// The report of VM `name`.
    pub fn report(&self, name: &str) -> Option<VmReport> {
        self.with(|s| {
            s.vms.iter().find(|vm| vm.name == name).map(|vm| VmReport {
                name: vm.name.clone(),
                outcome: vm.outcome.clone(),
                restarts: vm.restarts,
                lines: vm.console.lines,
                vcpu_cpus: vm.vcpus.iter().map(|vcpu| vcpu.registers.ran_on()).collect(),
            })
        })
    }

    /// Which VM (by VMID) printed each console line, in order.
    pub fn transcript(&self) -> Vec<u8> {
        self.with(|s| s.transcript.clone())
    }

    /// The VM whose vCPU's registers the CPU holds and that vCPU's number, with `f`.
    pub(crate) fn with_loaded<R>(&self, f: impl FnOnce(&mut Vm<P>, usize) -> R) -> Option<R> {
        let loaded = P::loaded().get(this_cpu::<P>());
        self.with(|s| {
            let (vm, cpu) = s.vms.iter_mut().find_map(|vm| {
                let cpu = vm.vcpus.iter().position(|vcpu| vcpu.address() == loaded)?;
                Some((vm, cpu))
            })?;
            Some(f(vm, cpu))
        })
    }

    /// Forgets every VM (RAM and tables freed, VMIDs flushed): the kernel they ran on is gone.
    pub fn clear(&self) {
        self.with(|_| P::loaded().forget_where::<P::Vcpu>(this_cpu::<P>(), |_| true));
        let state = self.with(|s| {
            s.transcript = Vec::new();
            s.vmids = 0;
            s.free_vmids = Vec::new();
            core::mem::take(&mut s.vms)
        });
        for vm in &state {
            vm.space.flush();
        }
        drop(state);
    }
}

impl<P: VmPlatform> Default for Vms<P> {
    fn default() -> Self {
        Self::new()
    }
}

