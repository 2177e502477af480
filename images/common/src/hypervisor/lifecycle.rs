//! A VM's life: started from its image, powered off or reset by its guest, stopped or
//! restarted by the hypervisor after a fault.

use super::loader;
use super::ram::GuestRam;
use super::registry::{Outcome, VcpuSlot, Vm};
use super::vcpu::this_cpu;
use super::vgic::{VirtualDistributor, MAX_VCPUS};
use wells_core::arch::monitor::psci;
use super::{GuestEntry, GuestSpace, OnFault, Resume, VcpuRegisters, VmPlatform, VmSpec};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use wells_core::domain::{DomainId, DomainKind};
use wells_core::{Arch, Error, Handle, Kernel, Timeout};

/// A started VM: its domain and the thread of its first vCPU.
#[derive(Debug, Clone, Copy)]
pub struct StartedVm {
    pub domain: DomainId,
    pub vcpu: Handle,
}

/// Loads and starts VM `spec` of board `P` on `kernel`: RAM, stage-2 translation, domain, and
/// a thread per vCPU: vCPU 0's enters the guest at its image's entry point, the others wait
/// until the guest turns them on (PSCI CPU_ON).
pub fn start<P: VmPlatform>(kernel: &Kernel<P::Arch>, spec: &VmSpec<'_>) -> Result<StartedVm, String> {
    let failed = |e: &dyn core::fmt::Display| format!("vm '{}': {e}", spec.name);
    if !(1..=MAX_VCPUS).contains(&(spec.vcpus as usize)) {
        return Err(failed(&format_args!("{} vCPUs asked for; a VM has 1 to {MAX_VCPUS}", spec.vcpus)));
    }
    // Reserved at once: two VMs started at the same time must not share one.
    let vmid = P::vms().reserve_vmid().ok_or_else(|| failed(&"no VMID left (255 VMs at a time)"))?;
    let started = prepare::<P>(kernel, spec, vmid);
    if started.is_err() {
        P::vms().release_vmid(vmid);
    }
    started
}

/// `start` with a VMID reserved.
fn prepare<P: VmPlatform>(kernel: &Kernel<P::Arch>, spec: &VmSpec<'_>, vmid: u8) -> Result<StartedVm, String> {
    let failed = |e: &dyn core::fmt::Display| format!("vm '{}': {e}", spec.name);
    let mut ram = GuestRam::new(spec.ram_size).map_err(|e| failed(&e))?;
    let loaded = loader::load::<P>(spec.image, ram.bytes(), spec.ram_base, spec.vcpus).map_err(|e| failed(&e))?;
    let mut space = P::Space::new(vmid).map_err(|e| failed(&e))?;
    space.flush();
    space.map_ram(spec.ram_base, ram.address(), ram.size()).map_err(|e| failed(&e))?;
    if spec.devices.interrupt_controller {
        space.map_device(P::GICC_IPA, P::GICV_PA, P::GICV_SIZE).map_err(|e| failed(&e))?;
    }
    let domain = kernel
        .domain_create(spec.name, DomainKind::VirtualMachine, space.token(), spec.priority)
        .map_err(|e| failed(&e))?;
    // All or nothing (#23): a VM that cannot start gives its domain back too (`start` gives
    // back the VMID and the record), so it leaves nothing behind.
    let started = register_and_start::<P>(kernel, spec, vmid, domain, space, ram, loaded);
    if started.is_err() {
        // Threads of it may exist, none started: stopping ends them, destroying frees its slot.
        destroy_wake_events::<P>(kernel, domain);
        let _ = kernel.domain_stop(domain, 0);
        let _ = kernel.domain_destroy(domain);
    }
    started.map_err(|e| failed(&e))
}

/// The part of [`prepare`] after the domain exists: the record, the vCPU.
fn register_and_start<P: VmPlatform>(
    kernel: &Kernel<P::Arch>,
    spec: &VmSpec<'_>,
    vmid: u8,
    domain: DomainId,
    space: P::Space,
    ram: GuestRam,
    loaded: loader::Loaded,
) -> Result<StartedVm, Error> {
    kernel.domain_set_budget(domain, spec.budget)?;
    P::vms().add(Vm {
        name: spec.name.to_string(),
        domain,
        vmid,
        space,
        ram,
        ram_base: spec.ram_base,
        image: spec.image,
        linux: loaded.device_tree.is_some(),
        arg: spec.arg,
        on_fault: spec.on_fault,
        fault_restarts: 0,
        restarts: 0,
        console: Default::default(),
        distributor: VirtualDistributor::new(spec.vcpus as usize),
        devices: spec.devices,
        ports: spec.ports.to_vec(),
        outcome: Outcome::Running,
        resetting: None,
        vcpus: Vec::new(),
    });
    let first = entry(loaded, spec.arg, 0);
    let mut threads = Vec::new();
    for cpu in 0..spec.vcpus {
        let wake = if spec.vcpus > 1 { Some(kernel.event_create(true, false)?) } else { None };
        let slot = VcpuSlot { registers: Box::new(P::Vcpu::reset_as(cpu)), thread: None, on: cpu == 0, entry: None, stopped: cpu != 0, wake };
        // The save area's address: the box stays in the registry until `Vms::clear`.
        let registers = slot.address();
        P::vms().with_vm(domain, |vm| vm.vcpus.push(slot)).ok_or(Error::BadState)?;
        let body: Box<dyn FnMut() -> i32 + Send> = match cpu {
            0 => Box::new(move || P::enter_guest(first, registers as *mut P::Vcpu)),
            _ => Box::new(move || {
                let entry = wait_until_on::<P>(cpu);
                P::enter_guest(entry, registers as *mut P::Vcpu)
            }),
        };
        let thread = kernel.thread_create_in(domain, spec.name, spec.priority, P::VCPU_STACK, body)?;
        if let Some(cpus) = pinned_cpu(kernel.present_cpus(), vmid, cpu) {
            kernel.thread_set_affinity(thread, cpus)?;
        }
        P::vms().with_vm(domain, |vm| vm.vcpus[cpu as usize].thread = Some(thread));
        threads.push(thread);
    }
    for &thread in &threads {
        kernel.thread_start(thread)?;
    }
    Ok(StartedVm { domain, vcpu: threads[0] })
}

/// The CPU set (one CPU) the thread of vCPU `cpu` of the VM with `vmid` is pinned to when the
/// kernel runs on several CPUs, `present` (bit n: CPU n): the VM's vCPUs on consecutive CPUs of
/// the set, from the VMID's place on (so VMs of one vCPU spread too), round the set again past
/// the last. A vCPU stays on one CPU because its guest registers, FP unit and timer stay in the
/// CPU that ran it last until another vCPU needs them (`LoadedVcpu`): on any other CPU they
/// would be stale. `None` with one CPU.
fn pinned_cpu(present: u32, vmid: u8, cpu: u8) -> Option<u32> {
    if present.count_ones() < 2 {
        return None;
    }
    let nth = (vmid as u32 + cpu as u32).wrapping_sub(1) % present.count_ones();
    let mut left = present;
    for _ in 0..nth {
        left &= left - 1;
    }
    Some(left & left.wrapping_neg())
}

/// The events of VM `domain`'s vCPUs, destroyed (a VM that did not start, or is destroyed).
fn destroy_wake_events<P: VmPlatform>(kernel: &Kernel<P::Arch>, domain: DomainId) {
    let events: Vec<Handle> = P::vms().with_vm(domain, |vm| vm.vcpus.iter().filter_map(|vcpu| vcpu.wake).collect()).unwrap_or_default();
    for event in events {
        let _ = kernel.event_destroy(event);
    }
}

/// Waits, on the thread of the running VM's vCPU `cpu`, out of its guest, until the guest turns
/// that vCPU on (PSCI CPU_ON; vCPU 0 also by a restart of the VM); returns where it starts.
/// While its VM restarts it takes no entry, and it tells the vCPU restarting the VM that one
/// more vCPU is out of its guest.
fn wait_until_on<P: VmPlatform>(cpu: u8) -> GuestEntry {
    loop {
        let (entry, wake, restarter) = P::vms().with_current(|vm| {
            let resetting = vm.resetting;
            let restarter = resetting.filter(|&by| by != cpu).and_then(|by| vm.vcpus[by as usize].wake);
            let slot = &mut vm.vcpus[cpu as usize];
            slot.registers.ask_to_stop(false);
            let entry = if slot.on && resetting.is_none() { slot.entry.take() } else { None };
            slot.stopped = entry.is_none();
            (entry, slot.wake, restarter)
        }).unwrap_or_else(|| stop::<P>(String::from("not a VM")));
        if let Some(restarter) = restarter {
            let _ = P::kernel().event_set(restarter);
        }
        match (entry, wake) {
            (Some(entry), _) => return entry,
            (None, Some(wake)) => {
                let _ = P::kernel().event_wait(wake, Timeout::Forever);
            }
            // Only a VM with several vCPUs waits for one.
            (None, None) => stop::<P>(String::from("a vCPU waits to be turned on without a way to be woken")),
        }
    }
}

/// PSCI CPU_ON from the running VM: turns on its vCPU `target` (MPIDR: affinity 0 the vCPU's
/// number, every other affinity 0) at guest address `pc` with `context` in its x0. Returns
/// PSCI's answer: 0, INVALID_PARAMETERS for a vCPU the VM does not have, ALREADY_ON,
/// INVALID_ADDRESS for an entry outside the VM's RAM (DENIED while the VM restarts, which the
/// caller never sees).
#[inline(never)]
pub fn cpu_on<P: VmPlatform>(target: u64, pc: u64, context: u64) -> i64 {
    let wake = P::vms().with_current(|vm| {
        // Dropped while the VM restarts: the caller is stopped for the restart at its exit's
        // end and never sees the answer; the target stays off.
        if vm.resetting.is_some() {
            return Err(psci::DENIED);
        }
        let cpu = usize::try_from(target).ok().filter(|&cpu| cpu < vm.vcpus.len()).ok_or(psci::INVALID_PARAMETERS)?;
        if vm.vcpus[cpu].on {
            return Err(psci::ALREADY_ON);
        }
        if vm.ram_range(pc, 4).is_none() {
            return Err(psci::INVALID_ADDRESS);
        }
        let slot = &mut vm.vcpus[cpu];
        slot.on = true;
        slot.entry = Some(GuestEntry { pc, x0: context, x1: 0, cpu: cpu as u8 });
        Ok(slot.wake)
    });
    match wake {
        Some(Ok(wake)) => {
            if let Some(wake) = wake {
                let _ = P::kernel().event_set(wake);
            }
            psci::SUCCESS
        }
        Some(Err(answer)) => answer,
        None => stop::<P>(String::from("not a VM")),
    }
}

/// PSCI AFFINITY_INFO from the running VM about its vCPU `target`: ON, OFF, or
/// INVALID_PARAMETERS for a vCPU it does not have.
#[inline(never)]
pub fn affinity_info<P: VmPlatform>(target: u64) -> i64 {
    P::vms()
        .with_current(|vm| match usize::try_from(target).ok().and_then(|cpu| vm.vcpus.get(cpu)) {
            Some(vcpu) if vcpu.on => psci::AFFINITY_ON,
            Some(_) => psci::AFFINITY_OFF,
            None => psci::INVALID_PARAMETERS,
        })
        .unwrap_or(psci::INVALID_PARAMETERS)
}

/// PSCI CPU_OFF from the running vCPU: when it is the VM's last vCPU on, the VM is off
/// (`powered off (status 0)`); otherwise it waits, off, until the guest turns it on again,
/// and then starts from reset where CPU_ON said.
#[inline(never)]
pub fn cpu_off<P: VmPlatform>() -> Resume {
    let cpu = P::vms().with_this_vcpu(|vm, cpu| {
        let others_on = vm.vcpus.iter().enumerate().any(|(n, vcpu)| n != cpu && vcpu.on);
        if others_on {
            vm.vcpus[cpu].on = false;
        }
        others_on.then_some(cpu as u8)
    });
    match cpu {
        Some(Some(cpu)) => Resume::Restart(wait_until_on::<P>(cpu)),
        Some(None) => power_off::<P>(0),
        None => stop::<P>(String::from("not a VM")),
    }
}

/// Where a guest loaded as `loaded` starts: an ELF guest with its argument in x0 and its
/// restart count in x1; a Linux kernel with its device tree in x0 and x1 = 0 (the arm64 boot
/// protocol).
fn entry(loaded: loader::Loaded, arg: u64, restarts: u64) -> GuestEntry {
    match loaded.device_tree {
        Some(device_tree) => GuestEntry { pc: loaded.pc, x0: device_tree, x1: 0, cpu: 0 },
        None => GuestEntry { pc: loaded.pc, x0: arg, x1: restarts, cpu: 0 },
    }
}

/// Ends the VM of the running vCPU: PSCI SYSTEM_OFF with `status` (the guest's x1).
pub fn power_off<P: VmPlatform>(status: u64) -> ! {
    end::<P>(Outcome::Off(status), status as i32)
}

/// Restarts the VM of the running vCPU from its image (PSCI SYSTEM_RESET, or a fault its
/// description says to restart after) as a whole: see [`restart_as`].
pub fn restart<P: VmPlatform>(why: &str) -> Resume {
    match begin_restart::<P>(why, false) {
        Some(Some(role)) => restart_as::<P>(role),
        _ => stop::<P>(String::from("not a VM")),
    }
}

/// A fault of the running VM: restarted when its description allows one more restart,
/// otherwise stopped. Reports the VM's name and `why` either way. A fault while its VM
/// restarts belongs to the run being ended: the vCPU only stops for the restart.
pub fn fault<P: VmPlatform>(why: core::fmt::Arguments<'_>) -> Resume {
    // No switch from here on: the report below lives on this stack until it is handed over.
    P::cpu().irq_save();
    let why = format!("{why}");
    match begin_restart::<P>(&why, true) {
        Some(Some(role)) => {
            // Reported: the restart lets interrupts in, so nothing may stay on this stack.
            drop(why);
            restart_as::<P>(role)
        }
        _ => stop::<P>(why),
    }
}

/// What the running vCPU does in a restart of its VM.
enum Role {
    /// It restarts the VM (the first to ask): `others` are the vCPUs it asked to leave their
    /// guest, with their events and save areas.
    Restarter { cpu: u8, wake: [Option<Handle>; MAX_VCPUS], others: [usize; MAX_VCPUS] },
    /// Another vCPU restarts the VM already: this one only stops.
    Stopped { cpu: u8 },
}

/// Under the registry's lock: the running vCPU asks to restart its VM (`fault`: after a
/// fault, counted against its description's restarts: `None` when none is left). The first
/// to ask counts and reports the restart and asks every other vCPU still in its guest to leave
/// it (`VcpuRegisters::ask_to_stop`); a vCPU asking while the VM restarts only stops. The
/// outer `None`: not a VM.
fn begin_restart<P: VmPlatform>(why: &str, fault: bool) -> Option<Option<Role>> {
    P::vms().with_this_vcpu(|vm, cpu| {
        if vm.resetting.is_some() {
            return Some(Role::Stopped { cpu: cpu as u8 });
        }
        if fault {
            match vm.on_fault {
                OnFault::Restart { at_most } if vm.fault_restarts < at_most => vm.fault_restarts += 1,
                _ => return None,
            }
        }
        vm.restarts += 1;
        flush_console::<P>(vm);
        crate::println!(P, "wells: vm '{}' restarts ({}): {why}", vm.name, vm.restarts);
        vm.resetting = Some(cpu as u8);
        vm.vcpus[cpu].stopped = true;
        let (mut wake, mut others) = ([None; MAX_VCPUS], [0; MAX_VCPUS]);
        for (n, vcpu) in vm.vcpus.iter().enumerate().filter(|(_, vcpu)| !vcpu.stopped) {
            // Asked with the lock held: a vCPU that stops clears its request under it too.
            vcpu.registers.ask_to_stop(true);
            wake[n] = vcpu.wake;
            others[n] = vcpu.address();
        }
        Some(Role::Restarter { cpu: cpu as u8, wake, others })
    })
}

/// Carries out a restart of the running vCPU's VM, which began with `role`: the restarter
/// wakes the vCPUs it asked to leave their guest (those waiting for an interrupt) and kicks
/// those another physical CPU holds (one may be running its guest there: the kick's exit ends
/// that run, and the end of the exit stops it, `hold_for_entry`); nothing touches another
/// vCPU's registers. Once every vCPU is out of its guest, it resets the VM (`reload`). Then
/// every vCPU waits, off, to be turned on: vCPU 0 at once, at the image's entry with its
/// restart count, the others when the guest turns them on (PSCI CPU_ON), as at first boot.
/// Interrupts are let in meanwhile: other VMs must not wait on one that restarts. Nothing on
/// this stack owns heap memory while they are, so a VM stopped from outside meanwhile (its
/// vCPUs ended where they are) leaves nothing behind.
fn restart_as<P: VmPlatform>(role: Role) -> Resume {
    let were_enabled = P::cpu().irq_save();
    P::cpu().irq_restore(true);
    let cpu = match role {
        Role::Stopped { cpu } => cpu,
        Role::Restarter { cpu, wake, others } => {
            for event in wake.into_iter().flatten() {
                let _ = P::kernel().event_set(event);
            }
            let me = this_cpu::<P>();
            for area in others.into_iter().filter(|&area| area != 0) {
                match P::loaded().held_by(area) {
                    Some(holder) if holder != me => P::kick(holder),
                    _ => {}
                }
            }
            wait_until_all_stopped::<P>(cpu);
            reload::<P>();
            cpu
        }
    };
    let entry = wait_until_on::<P>(cpu);
    P::cpu().irq_save();
    P::cpu().irq_restore(were_enabled);
    Resume::Restart(entry)
}

/// Waits, on the thread of the running VM's vCPU `cpu`, which restarts it, until all its
/// vCPUs are out of their guest (each tells it when it stops: `wait_until_on`).
fn wait_until_all_stopped<P: VmPlatform>(cpu: u8) {
    loop {
        let (all, wake) = P::vms()
            .with_current(|vm| (vm.vcpus.iter().all(|vcpu| vcpu.stopped), vm.vcpus[cpu as usize].wake))
            .unwrap_or_else(|| stop::<P>(String::from("not a VM")));
        match (all, wake) {
            (true, _) => return,
            (false, Some(wake)) => {
                let _ = P::kernel().event_wait(wake, Timeout::Forever);
            }
            // A VM of one vCPU has no other to wait for.
            (false, None) => stop::<P>(String::from("a vCPU of a VM of one vCPU outside the restart")),
        }
    }
}

/// What reloading a VM needs, taken from its record.
struct Reload {
    image: &'static [u8],
    ram: usize,
    ram_size: usize,
    ram_base: usize,
    vcpus: u8,
}

/// Resets the running VM, all its vCPUs out of their guest: its RAM cleared (nothing of the
/// last run may survive into the next) and its image loaded again; then its distributor as
/// at start, every vCPU off with no SGI waiting for it, its TLB entries invalidated (its
/// VMID, which all its vCPUs share), and vCPU 0 on at the image's entry with the restart
/// count. The RAM takes a while for a large VM, so interrupts are let in meanwhile.
fn reload<P: VmPlatform>() {
    let plan = P::vms()
        .with_current(|vm| Reload { image: vm.image, ram: vm.ram.address(), ram_size: vm.ram.size(), ram_base: vm.ram_base, vcpus: vm.vcpus.len() as u8 })
        .unwrap_or_else(|| stop::<P>(String::from("not a VM")));
    // SAFETY: the VM's RAM block outlives its running vCPU (`destroy` frees it only after
    // joining the vCPU threads, `Vms::clear` only once no thread of the kernel runs), and no
    // one else writes it: every vCPU of the VM is out of its guest and waits, and none of
    // them waits in a call that could write it (each came out of its exit to stop).
    let ram = unsafe { core::slice::from_raw_parts_mut(plan.ram as *mut u8, plan.ram_size) };
    ram.fill(0);
    let loaded = match loader::load::<P>(plan.image, ram, plan.ram_base, plan.vcpus) {
        Ok(loaded) => loaded,
        Err(e) => stop::<P>(format!("its image no longer loads: {e}")),
    };
    let first = P::vms().with_current(|vm| {
        vm.distributor = VirtualDistributor::new(vm.vcpus.len());
        for vcpu in &mut vm.vcpus {
            vcpu.registers.forget_waiting();
            vcpu.on = false;
            vcpu.entry = None;
        }
        vm.space.flush();
        vm.vcpus[0].on = true;
        vm.vcpus[0].entry = Some(entry(loaded, vm.arg, vm.restarts as u64));
        vm.resetting = None;
        vm.vcpus[0].wake
    });
    if let Some(Some(first)) = first {
        let _ = P::kernel().event_set(first);
    }
}

/// Makes the CPU hold the registers of the running vCPU, whose save area is `vcpu`, right
/// before its guest is entered (on every exit's end, and at its first entry). When a restart
/// of its VM asked the vCPU to leave its guest, it stops here instead ([`stop_for_restart`]),
/// and `Some` says where it starts afterwards, from reset.
///
/// # Safety
/// Interrupts masked; `vcpu` is the running vCPU's save area in the VM registry, alive until
/// `Vms::clear`.
#[inline(always)]
pub unsafe fn hold_for_entry<P: VmPlatform>(vcpu: *mut P::Vcpu) -> Option<GuestEntry> {
    // SAFETY: the caller's contract: `vcpu` is alive and interrupts are masked.
    unsafe { P::loaded().ensure(this_cpu::<P>(), vcpu) };
    // SAFETY: as above (`asked_to_stop` reads an atomic).
    if !unsafe { (*vcpu).asked_to_stop() } {
        return None;
    }
    // SAFETY: as above.
    Some(unsafe { stop_for_restart::<P>(vcpu) })
}

/// The running vCPU, whose save area is `vcpu` and whose registers the CPU holds, leaves its
/// guest for a restart of its VM: its guest state in the CPU silenced, it waits, off, with
/// interrupts let in, for the VM to restart and itself to be turned on; returns where it
/// starts, the CPU holding its registers again (out of the exit's way).
///
/// # Safety
/// As for [`hold_for_entry`].
#[cold]
#[inline(never)]
unsafe fn stop_for_restart<P: VmPlatform>(vcpu: *mut P::Vcpu) -> GuestEntry {
    loop {
        P::Vcpu::quiesce();
        let cpu = P::vms().with_this_vcpu(|_, cpu| cpu as u8).unwrap_or_else(|| stop::<P>(String::from("not a VM")));
        P::cpu().irq_restore(true);
        let entry = wait_until_on::<P>(cpu);
        P::cpu().irq_save();
        // SAFETY: the caller's contract: `vcpu` is alive and interrupts are masked again.
        unsafe { P::loaded().ensure(this_cpu::<P>(), vcpu) };
        // SAFETY: as above. A restart that began since: stop again.
        if !unsafe { (*vcpu).asked_to_stop() } {
            return entry;
        }
    }
}

/// Stops VM `domain` from outside (a kernel thread of the hypervisor: a watchdog, a manager):
/// its vCPUs end wherever they are. `BadState` when it has ended already. Called from one of
/// its own vCPUs, it does not return.
pub fn shut_down<P: VmPlatform>(kernel: &Kernel<P::Arch>, domain: DomainId, why: &str) -> Result<(), Error> {
    P::vms()
        .with_vm(domain, |vm| {
            if vm.outcome != Outcome::Running {
                return Err(Error::BadState);
            }
            flush_console::<P>(vm);
            crate::println!(P, "wells: vm '{}' shut down: {why}", vm.name);
            vm.outcome = Outcome::Stopped(why.to_string());
            Ok(())
        })
        .ok_or(Error::InvalidArgument)??;
    kernel.domain_stop(domain, -1)
}

/// Gives back all an ended VM holds: its vCPU thread is joined (waiting for it to finish
/// ending), its RAM, stage-2 tables and record are freed, its VMID is flushed and free for the
/// next VM, and its domain is destroyed (its slot free too). `BadState` while it runs
/// (`shut_down` it first), `InvalidArgument` for a domain that is no VM.
pub fn destroy<P: VmPlatform>(kernel: &Kernel<P::Arch>, domain: DomainId) -> Result<(), Error> {
    let (threads, running) = P::vms()
        .with_vm(domain, |vm| (vm.vcpus.iter().filter_map(|vcpu| vcpu.thread).collect::<Vec<_>>(), vm.outcome == Outcome::Running))
        .ok_or(Error::InvalidArgument)?;
    if running {
        return Err(Error::BadState);
    }
    for vcpu in threads {
        // Ended already (always, outside the kernel's threads), or about to: then wait.
        match kernel.thread_join(vcpu, Timeout::NoWait) {
            Err(Error::WouldBlock) => kernel.thread_join(vcpu, Timeout::Forever).map(drop)?,
            other => other.map(drop)?,
        }
    }
    destroy_wake_events::<P>(kernel, domain);
    let vm = P::vms().remove(domain).ok_or(Error::InvalidArgument)?;
    drop(vm);
    kernel.domain_destroy(domain)
}

/// Stops the VM of the running vCPU for good.
pub fn stop<P: VmPlatform>(why: String) -> ! {
    end::<P>(Outcome::Stopped(why), -1)
}

/// Prints what the VM's console holds without a line end.
fn flush_console<P: VmPlatform>(vm: &mut Vm<P>) {
    if vm.console.pending() {
        let line = vm.console.take();
        crate::println!(P, "[{}] {}", vm.name, String::from_utf8_lossy(&line));
    }
}

/// Records how the running VM ended, reports it, and ends its vCPUs with `code`.
fn end<P: VmPlatform>(outcome: Outcome, code: i32) -> ! {
    let kernel = P::kernel();
    let domain = kernel.current_domain().unwrap_or(DomainId::KERNEL);
    P::vms().with_vm(domain, |vm| {
        flush_console::<P>(vm);
        match &outcome {
            Outcome::Off(status) => crate::println!(P, "wells: vm '{}' powered off (status {status})", vm.name),
            Outcome::Stopped(why) => crate::println!(P, "wells: vm '{}' stopped: {why}", vm.name),
            Outcome::Running => {}
        }
        vm.outcome = outcome;
    });
    // Nothing on this stack may own heap memory past here: `domain_stop` does not return.
    let _ = kernel.domain_stop(domain, code);
    let _ = kernel.thread_exit(code);
    loop {
        P::wait_for_interrupt();
    }
}

/// Copies of the VM's granted ports (so no lock is held while a call blocks on one).
pub(crate) fn port<P: VmPlatform>(number: u64) -> Option<Handle> {
    P::vms().with_current(|vm| vm.ports.get(number as usize).copied()).flatten()
}

/// The running VM's RAM at guest address `ipa`, `len` bytes, or `None` when the range is not
/// all inside its RAM; for the calling vCPU's hypercall only (the lifetime is the caller's to
/// keep that short). Calls work on it in place: nothing is allocated on a vCPU's stack, so a
/// vCPU stopped while it waits in a call leaves nothing behind. Its other vCPUs may change the
/// bytes meanwhile; that only ever affects what the VM itself sends or receives.
pub(crate) fn guest_memory<'call, P: VmPlatform>(ipa: u64, len: u64) -> Option<&'call mut [u8]> {
    let (address, len) = P::vms().with_current(|vm| vm.ram_range(ipa, len).map(|pa| (pa, len as usize))).flatten()?;
    // SAFETY: the range lies inside the VM's RAM block (checked against its grant just now).
    // The block outlives the calling vCPU thread: `destroy` frees it only after joining that
    // thread, `Vms::clear` only once no thread of the kernel runs; a vCPU killed while it waits
    // in a call is first taken off every wait queue, so nothing writes to the block after.
    // The hypervisor addresses memory physically, so the block's address is the range's.
    Some(unsafe { core::slice::from_raw_parts_mut(address as *mut u8, len) })
}
