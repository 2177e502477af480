//! What the hypervisor does with a guest's exits, once the board's trap glue has decoded them:
//! MMIO to the emulated UART and distributor, physical interrupts (its own timer, the guests'
//! virtual timer), WFI and WFE, and faults (stop or restart the VM). Hypercalls are in
//! `hypercalls`.

use super::console::VirtualUart;
use super::lifecycle;
use super::{this_cpu, Devices, GicBoard, GuestRegisters, Resume, VcpuRegisters, VmPlatform};
use crate::gic::RESCHEDULE_SGI;
use wells_core::kernel::percpu::MAX_CPUS;
use wells_core::arch::hypervisor::guest_exit::GuestState;
use super::registry::Vm;
use super::vgic::{Sgi, MAX_VCPUS};
use crate::timer_host::GenericTimer;
use crate::Platform;
use wells_core::Arch;
use wells_core::telemetry::EventKind;

pub use super::hypercalls::hypercall;
pub use super::lifecycle::{fault, hold_for_entry, power_off, restart, shut_down, stop};
pub use super::shared_registers::debug_or_pmu_access;

/// A load or store the CPU described well enough to emulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmioAccess {
    /// Bytes (1, 2, 4, 8).
    pub size: u8,
    /// The general register it loads or stores (31: the zero register).
    pub register: u8,
    pub write: bool,
}

/// A guest access at `ipa` that stage 2 did not map. The emulated UART and distributor pages
/// are served; anything else is a fault of the VM (`syndrome` says what the CPU reported).
pub fn mmio<P: GicBoard>(ipa: u64, access: Option<MmioAccess>, regs: &mut dyn GuestRegisters, syndrome: core::fmt::Arguments<'_>) -> Resume {
    let page = ipa as usize & !0xfff;
    let offset = ipa as usize & 0xfff;
    let devices = P::vms().with_current(|vm| vm.devices).unwrap_or(Devices::NONE);
    let uart = devices.uart && page == P::UART_IPA;
    let distributor = devices.interrupt_controller && page == P::GICD_IPA;
    // Linux's PL011 driver uses 16-bit accesses.
    let emulated = uart && access.is_some_and(|a| matches!(a.size, 1 | 2 | 4));
    match access {
        Some(access) if emulated => {
            let register = access.register as usize;
            if access.write {
                let value = if register == 31 { 0 } else { regs.get(register) as u32 };
                if let (Some(byte), Ok(domain)) = (VirtualUart::written_byte(offset, value), P::kernel().current_domain()) {
                    P::vms().console_write(domain, &[byte]);
                }
            } else if register != 31 {
                let value = P::vms().with_current(|vm| vm.console.read(offset)).unwrap_or(0);
                regs.set(register, value as u64);
            }
            Resume::Next
        }
        Some(access) if distributor => {
            let register = access.register as usize;
            if access.write {
                let value = if register == 31 { 0 } else { regs.get(register) as u32 };
                send_sgi::<P>(|vm, cpu| vm.distributor.write(cpu, offset, access.size, value));
            } else if register != 31 {
                let value = P::vms().with_current_vcpu(|vm, cpu| vm.distributor.read(cpu, offset, access.size)).unwrap_or(0);
                regs.set(register, value as u64);
            }
            Resume::Next
        }
        _ if uart || distributor => lifecycle::fault::<P>(format_args!("device access at {ipa:#x} that cannot be emulated ({syndrome})")),
        _ => lifecycle::fault::<P>(format_args!("stage-2 data abort at IPA {ipa:#x}, outside its grants ({syndrome})")),
    }
}

/// A write to the running vCPU's distributor (`write`, given the VM and the vCPU's number),
/// and the SGI it sends, if any, made pending for each vCPU it names (it waits in the vCPU's
/// save area, `VcpuRegisters::send_sgi`). The sender's own goes in as its exit ends; a vCPU
/// waiting for an interrupt (WFI) is woken; one whose registers another CPU holds, perhaps
/// running its guest, is kicked: that CPU takes the kick SGI as an exit and puts the SGI in
/// before the guest goes on.
fn send_sgi<P: GicBoard>(write: impl FnOnce(&mut Vm<P>, usize) -> Option<Sgi>) {
    let mut wake = [None; MAX_VCPUS];
    let mut kick = [0usize; MAX_VCPUS];
    P::vms().with_current_vcpu(|vm, sender| {
        let Some(sgi) = write(vm, sender) else { return };
        for (cpu, vcpu) in vm.vcpus.iter().enumerate().filter(|&(cpu, _)| sgi.targets & (1 << cpu) != 0) {
            if !vm.distributor.forwards(cpu, sgi.id) {
                continue;
            }
            vcpu.registers.send_sgi(sgi.id, sender, vm.distributor.priority(cpu, sgi.id));
            if cpu != sender {
                wake[cpu] = vcpu.wake;
                kick[cpu] = vcpu.address();
            }
        }
    });
    for event in wake.into_iter().flatten() {
        let _ = P::kernel().event_set(event);
    }
    if MAX_CPUS > 1 {
        let me = this_cpu::<P>();
        for area in kick.into_iter().filter(|&area| area != 0) {
            match P::loaded().held_by(area) {
                Some(cpu) if cpu != me => P::kick(cpu),
                _ => {}
            }
        }
    }
}

/// The SGI one CPU sends another that holds a vCPU an SGI was sent to: the exit it causes puts
/// the SGI in (`VcpuRegisters::deliver_waiting`), and nothing else is done.
pub const VCPU_KICK_SGI: u32 = 5;

/// The guests' virtual timer fired: the priority at which the vCPU whose registers the CPU
/// holds wants its interrupt, or `None` when its distributor does not let it through.
pub fn loaded_timer_priority<P: VmPlatform>() -> Option<u8> {
    let id = P::GUEST_TIMER_IRQ;
    let forwarded = |vm: &mut Vm<P>, cpu: usize| (vm.devices.interrupt_controller && vm.distributor.forwards(cpu, id)).then(|| vm.distributor.priority(cpu, id));
    P::vms().with_loaded(forwarded).flatten()
}

/// The guest waits for an interrupt (WFI). With one `pending` for it, it goes on at once; with
/// its virtual timer armed, its vCPU sleeps until `wake_at_ns`, when the timer fires, or until
/// another vCPU of its VM sends it an SGI. With neither, it sleeps a millisecond at a time (or
/// until an SGI), so an idle guest never keeps the CPU from lower-priority work.
pub fn wait_for_interrupt<P: VmPlatform>(pending: bool, wake_at_ns: Option<u64>) -> Resume {
    if pending {
        return Resume::Next;
    }
    let kernel = P::kernel();
    let now = kernel.now_ns();
    let nap = match wake_at_ns {
        Some(at) if at <= now => return Resume::Next,
        Some(at) => at - now,
        None => IDLE_NAP_NS,
    };
    match P::vms().with_current_vcpu(|vm, cpu| vm.vcpus[cpu].wake).flatten() {
        Some(wake) => {
            let _ = kernel.event_wait(wake, wells_core::Timeout::Ns(nap));
        }
        None => {
            let _ = kernel.sleep_ns(nap);
        }
    }
    Resume::Next
}

/// How long a guest waiting with nothing to wake it sleeps before it looks again.
const IDLE_NAP_NS: u64 = 1_000_000;

/// The kernel time (ns) at which the board's counter reads `count` (guests' virtual counter =
/// physical): where a guest's armed virtual timer wakes its vCPU ([`wait_for_interrupt`]).
pub fn counter_to_ns<P: GenericTimer>(count: u64) -> u64 {
    let (_, frequency) = P::counter();
    (count as u128 * 1_000_000_000 / frequency.max(1) as u128).min(u64::MAX as u128) as u64
}

/// Runs an exit that may block the vCPU (a hypercall on a port, a yield, a WFI) with interrupts
/// let in, as the kernel requires of a caller that may wait. Other exits run masked: they never
/// wait, and nothing can switch away while they hold temporaries.
pub fn blocking<P: Platform>(exit: impl FnOnce() -> Resume) -> Resume {
    P::cpu().irq_restore(true);
    let resume = exit();
    P::cpu().irq_save();
    resume
}

/// The guest waits for an event (WFE), which only another CPU would send: its vCPU lets the
/// others of its priority run once, and the guest goes on.
pub fn yield_once<P: VmPlatform>() -> Resume {
    let _ = P::kernel().yield_now();
    Resume::Next
}

/// A physical interrupt taken in the hypervisor, `acknowledged` the GIC's IAR value (for an
/// SGI it also names the sending CPU, and ending it must name it too): its timer drives the
/// kernel; the reschedule SGI makes a switch due for the kernel another CPU shares; the vCPU
/// kick only ends the guest's run ([`VCPU_KICK_SGI`]). The guests' timer belongs to the vCPU
/// whose registers the CPU holds (whether its guest runs or not): it goes into its list
/// registers tied to the physical interrupt, which stays active until the guest ends it — so
/// the guest's timer needs no masking and behaves as on bare hardware. When the VM's
/// distributor does not let it through (or no list register is free), it is dropped: the
/// timer is masked and the interrupt ended.
pub fn interrupt<P: GicBoard>(acknowledged: u32) {
    let id = acknowledged & 0x3ff;
    if id >= SPURIOUS_FROM {
        return;
    }
    // Trace points (`cargo xtask trace`): compiled out unless the image traces.
    let traced = crate::trace::on();
    if let (true, Some(kernel)) = (traced, P::slot().get()) {
        kernel.trace(EventKind::IrqEnter, id as u64);
    }
    take_interrupt::<P>(id, acknowledged);
    if let (true, Some(kernel)) = (traced, P::slot().get()) {
        kernel.trace(EventKind::IrqExit, id as u64);
    }
}

/// [`interrupt`] between its trace points.
fn take_interrupt<P: GicBoard>(id: u32, acknowledged: u32) {
    let gic = P::gic();
    if id == P::HYP_TIMER_IRQ {
        P::timer_cancel();
    }
    gic.end(acknowledged);
    if id == P::GUEST_TIMER_IRQ {
        let priority = if P::loaded().get(this_cpu::<P>()) != 0 { loaded_timer_priority::<P>() } else { None };
        if priority.is_some_and(|priority| P::gich().inject_hardware(id, priority)) {
            return;
        }
        P::Guest::mask_live_timer();
    }
    gic.deactivate(acknowledged);
    if id == P::HYP_TIMER_IRQ {
        if let Some(kernel) = P::slot().get() {
            kernel.timer_interrupt();
        }
    } else if MAX_CPUS > 1 && id == RESCHEDULE_SGI {
        if let Some(kernel) = P::slot().get() {
            kernel.reschedule_interrupt();
        }
    }
}

/// Interrupt IDs from here up are special (1023: spurious).
const SPURIOUS_FROM: u32 = 1020;
