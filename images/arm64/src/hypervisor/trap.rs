//! What the hypervisor does with each exception taken to EL2. From a guest: the exit is
//! decoded and handed to the shared VM code while the guest's EL1 registers and virtual CPU
//! interface stay in the CPU; before the guest resumes, they are loaded again only if another
//! vCPU ran meanwhile (`LoadedVcpu`). At EL2 itself: interrupts drive the kernel; anything
//! else is a hypervisor fault, reported before the run ends with a failure status.

use super::board::{Board, GIC, GICH};
use super::vcpu::{Registers, Vcpu};
use core::fmt::Write;
use wells_board_common::hypervisor::{exits, Resume, VcpuRegisters};
use wells_board_common::Console;
use wells_core::arch::aarch64::el2::{self, guest::{self, GuestContext, MmioAccess, SystemRegisterAccess}};
use wells_core::arch::aarch64::exceptions::{Class, Source};
use wells_core::arch::aarch64::{FastCallRegisters, Syndrome, TrapFrame, TrapKind};
use wells_core::telemetry::EventKind;

/// Exit status when the hypervisor itself takes an unexpected exception.
const HYPERVISOR_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut TrapFrame, kind: TrapKind) {
    if !matches!(kind.source, Source::Lower64 | Source::Lower32) {
        match kind.class {
            Class::Irq => {
                let acknowledged = GIC.acknowledge_full();
                // The SMP bring-up counts each CPU's ticks and SGIs.
                #[cfg(feature = "smp")]
                super::smp::note_interrupt(acknowledged & 0x3ff);
                exits::interrupt::<Board>(acknowledged)
            }
            _ => unexpected(frame, kind),
        }
        return;
    }
    // The exit came from the guest entered last, whose save area the entry recorded.
    let me = el2::vcpu_pointer() as *mut Vcpu;
    // Trace points (compiled out unless the image traces): arg 0 synchronous, 1 IRQ, 2 FIQ,
    // 3 SError.
    let kernel = <Board as wells_board_common::Platform>::slot().get().filter(|_| wells_board_common::trace::on());
    if let Some(kernel) = kernel {
        kernel.trace(EventKind::VmExit, kind.class as u64);
    }
    let resume = match kind.class {
        Class::Irq => {
            exits::interrupt::<Board>(GIC.acknowledge_full());
            Resume::Next
        }
        Class::Synchronous => guest_synchronous(frame, me),
        Class::Fiq | Class::SError => exits::fault::<Board>(format_args!("{:?} from the guest (ELR={:#x})", kind.class, frame.elr)),
    };
    let mut resume = resume;
    // Other vCPUs may have run meanwhile: make the CPU hold this one's registers again; a
    // restart of its VM stops it here instead, and it starts again from reset.
    // SAFETY: `me` is this vCPU's save area in the VM registry, alive until `Vms::clear`
    // (which cannot run while one of the kernel's threads does); interrupts are masked here.
    if let Some(entry) = unsafe { exits::hold_for_entry::<Board>(me) } {
        resume = Resume::Restart(entry);
    }
    el2::set_vcpu_pointer(me as usize);
    if let Resume::Restart(entry) = resume {
        frame.x = [0; 31];
        frame.x[0] = entry.x0;
        frame.x[1] = entry.x1;
        frame.elr = entry.pc;
        frame.spsr = guest::SPSR_EL1H_MASKED;
        frame.sp_el0 = 0;
        Vcpu::reset_as(entry.cpu).restore();
        // Nor may its FP registers survive into the next run: the unit, if this vCPU owned it,
        // is given up and the next FP instruction loads zeros.
        // SAFETY: as for `ensure` above: `me` is this vCPU's live save area.
        unsafe { (*me).guest_mut().reset_fp() };
    }
    // SGIs other vCPUs sent it go in now (some CPU may have kicked this exit for them).
    // SAFETY: as for `ensure` above: `me` is this vCPU's live save area.
    unsafe { (*me).deliver_waiting() };
    if let Some(kernel) = kernel {
        kernel.trace(EventKind::VmEntry, 0);
    }
}

/// A hypercall offered before the full frame is saved: the ones that need nothing of the
/// kernel (`hypercalls::fast`) are answered here, in x0, as the full path would.
pub(crate) extern "C" fn fast_call(registers: &mut FastCallRegisters) -> bool {
    match wells_board_common::hypervisor::hypercalls::fast(registers[0] as u32) {
        Some(answer) => {
            registers[0] = answer;
            true
        }
        None => false,
    }
}

/// A synchronous exit: a hypercall, an access stage 2 did not allow, a trapped instruction.
/// `me` is the exiting vCPU's save area.
fn guest_synchronous(frame: &mut TrapFrame, me: *mut Vcpu) -> Resume {
    let syndrome = Syndrome::read_el2();
    let esr = syndrome.esr;
    let (elr, far) = (frame.elr, syndrome.far);
    let resume = match syndrome.class() {
        // Below the wells monitor: a secure or machine PSCI call goes up to it (HVC or SMC).
        #[cfg(feature = "normal-world")]
        0x16 if super::below_monitor::pass_up(frame) => return Resume::Next,
        #[cfg(feature = "normal-world")]
        0x17 if super::below_monitor::pass_up(frame) => Resume::Next,
        // HVC: ELR is already past the instruction.
        0x16 => return exits::blocking::<Board>(|| exits::hypercall::<Board>(&mut Registers(frame))),
        // The guest's first FP/SIMD instruction since another vCPU used the FP unit: it gets
        // the unit with its own registers and runs the instruction again.
        0x07 => {
            // SAFETY: `me` is this vCPU's save area in the VM registry (see `handle`), and
            // nothing else uses it while its own exit is handled, with interrupts masked.
            unsafe { (*me).guest_mut().claim_fp() };
            return Resume::Next;
        }
        // MSR/MRS trapped: only the debug and PMU registers trap (MDCR_EL2).
        0x18 => {
            let access = SystemRegisterAccess::decode(esr);
            if access.is_debug() || access.is_pmu() {
                exits::debug_or_pmu_access::<Board>(access.read, access.register, &mut Registers(frame), format_args!("{} (ESR={esr:#010x} ELR={elr:#x})", syndrome.describe()))
            } else {
                exits::fault::<Board>(format_args!("{} (ESR={esr:#010x} ELR={elr:#x})", syndrome.describe()))
            }
        }
        // A trapped SMC: ELR is the SMC itself.
        0x17 => exits::blocking::<Board>(|| exits::hypercall::<Board>(&mut Registers(frame))),
        0x24 => {
            let ipa = guest::faulting_ipa_page() | (far & 0xfff);
            let access = MmioAccess::decode(esr).map(|a| exits::MmioAccess { size: a.size, register: a.register, write: a.write });
            exits::mmio::<Board>(ipa, access, &mut Registers(frame), format_args!("ESR={esr:#010x} FAR={far:#x} ELR={elr:#x}"))
        }
        0x20 => {
            let ipa = guest::faulting_ipa_page() | (far & 0xfff);
            exits::fault::<Board>(format_args!("stage-2 instruction abort at IPA {ipa:#x} (ESR={esr:#010x} ELR={elr:#x})"))
        }
        // WFE (ISS bit 0) waits for an event another CPU would send: yield and go on.
        0x01 if esr & 1 != 0 => exits::blocking::<Board>(exits::yield_once::<Board>),
        0x01 => {
            let wake_at = GuestContext::live_timer_deadline().map(exits::counter_to_ns::<Board>);
            let pending = GICH.has_pending();
            exits::blocking::<Board>(|| exits::wait_for_interrupt::<Board>(pending, wake_at))
        }
        _ => exits::fault::<Board>(format_args!("{} (ESR={esr:#010x} ELR={elr:#x})", syndrome.describe())),
    };
    if resume == Resume::Next {
        frame.elr = frame.elr.wrapping_add(guest::instruction_length(esr));
    }
    resume
}

fn unexpected(frame: &TrapFrame, kind: TrapKind) -> ! {
    let syndrome = Syndrome::read_el2();
    let _ = writeln!(
        Console::<Board>::new(),
        "wells: unexpected exception at EL2: {} ({:?} from {:?})\n  ESR=0x{:08x} (class 0x{:02x}) FAR=0x{:016x}\n  ELR=0x{:016x} SPSR=0x{:08x} LR=0x{:016x}",
        syndrome.describe(),
        kind.class,
        kind.source,
        syndrome.esr,
        syndrome.class(),
        syndrome.far,
        frame.elr,
        frame.spsr,
        frame.x[30],
    );
    crate::exit::exit(HYPERVISOR_FAULT_STATUS)
}
