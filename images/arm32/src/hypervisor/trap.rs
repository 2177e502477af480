//! What the hypervisor does with each exception taken to HYP. From a guest: the exit is
//! decoded and handed to the shared VM code while the guest's PL1 registers and virtual CPU
//! interface stay in the CPU; before the guest resumes, they are loaded again only if another
//! vCPU ran meanwhile (`LoadedVcpu`). In HYP itself: interrupts drive the kernel; anything else
//! is a hypervisor fault, reported before the run ends with a failure status.

use super::board::{Board, GIC, GICH};
use super::vcpu::{Registers, Vcpu};
use core::fmt::Write;
use wells_board_common::hypervisor::{exits, Resume, VcpuRegisters};
use wells_board_common::Console;
use wells_core::arch::arm::hyp::exceptions::HypSyndrome;
use wells_core::arch::arm::hyp::guest::{self, GuestContext, MmioAccess};
use wells_core::arch::arm::hyp::{self, HypFastCallRegisters, HypFrame, HypTrapKind};
use wells_core::arch::hypervisor::guest_exit;
use wells_core::telemetry::EventKind;

/// Exit status when the hypervisor itself takes an unexpected exception.
const HYPERVISOR_FAULT_STATUS: i32 = 101;

pub(crate) fn handle(frame: &mut HypFrame, kind: HypTrapKind) {
    if frame.from_hyp() {
        match kind {
            HypTrapKind::Irq => {
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
    let me = hyp::vcpu_pointer() as *mut Vcpu;
    // Trace points (compiled out unless the image traces): arg 0 synchronous, 1 IRQ, 2 FIQ,
    // 3 anything else, as on arm64.
    let kernel = <Board as wells_board_common::Platform>::slot().get().filter(|_| wells_board_common::trace::on());
    if let Some(kernel) = kernel {
        let class = match kind {
            HypTrapKind::GuestTrap => 0,
            HypTrapKind::Irq => 1,
            HypTrapKind::Fiq => 2,
            _ => 3,
        };
        kernel.trace(EventKind::VmExit, class);
    }
    let resume = match kind {
        HypTrapKind::Irq => {
            exits::interrupt::<Board>(GIC.acknowledge_full());
            Resume::Next
        }
        HypTrapKind::GuestTrap => guest_synchronous(frame),
        _ => exits::fault::<Board>(format_args!("{kind:?} from the guest (PC={:#x})", frame.elr)),
    };
    let mut resume = resume;
    // Other vCPUs may have run meanwhile: make the CPU hold this one's registers again; a
    // restart of its VM stops it here instead, and it starts again from reset.
    // SAFETY: `me` is this vCPU's save area in the VM registry, alive until `Vms::clear`
    // (which cannot run while one of the kernel's threads does); interrupts are masked here.
    if let Some(entry) = unsafe { exits::hold_for_entry::<Board>(me) } {
        resume = Resume::Restart(entry);
    }
    hyp::set_vcpu_pointer(me as usize);
    if let Resume::Restart(entry) = resume {
        frame.r = [0; 13];
        frame.r[0] = entry.x0 as u32;
        frame.r[1] = entry.x1 as u32;
        (frame.elr, frame.spsr) = guest::entry_state(entry.pc as u32);
        frame.lr_usr = 0;
        Vcpu::reset_as(entry.cpu).restore();
    }
    // SGIs other vCPUs sent it go in now (some CPU may have kicked this exit for them).
    // SAFETY: as for `ensure` above: `me` is this vCPU's live save area.
    unsafe { (*me).deliver_waiting() };
    if let Some(kernel) = kernel {
        kernel.trace(EventKind::VmEntry, 0);
    }
}

/// A hypercall offered before the exit is handled: the ones that need nothing of the kernel
/// (`hypercalls::fast`) are answered here, in r0, as the full path would.
pub(crate) extern "C" fn fast_call(registers: &mut HypFastCallRegisters) -> bool {
    match wells_board_common::hypervisor::hypercalls::fast(registers[0]) {
        Some(answer) => {
            registers[0] = answer as u32;
            true
        }
        None => false,
    }
}

/// A synchronous exit: a hypercall, an access stage 2 did not allow, a trapped instruction.
fn guest_synchronous(frame: &mut HypFrame) -> Resume {
    let syndrome = HypSyndrome::read();
    let hsr = syndrome.hsr as u64;
    let pc = frame.elr;
    let resume = match guest_exit::class(hsr) {
        // HVC: ELR is already past the instruction.
        0x12 => return exits::blocking::<Board>(|| exits::hypercall::<Board>(&mut Registers { frame })),
        // A trapped SMC: ELR is the SMC itself.
        0x13 => exits::blocking::<Board>(|| exits::hypercall::<Board>(&mut Registers { frame })),
        0x24 => {
            let ipa = guest::faulting_ipa_page() | (syndrome.hdfar & 0xfff) as u64;
            let access = MmioAccess::decode(hsr).map(|a| exits::MmioAccess { size: a.size, register: a.register, write: a.write });
            let hdfar = syndrome.hdfar;
            exits::mmio::<Board>(ipa, access, &mut Registers { frame }, format_args!("HSR={hsr:#010x} HDFAR={hdfar:#x} PC={pc:#x}"))
        }
        0x20 => {
            let ipa = guest::faulting_ipa_page() | (syndrome.hifar & 0xfff) as u64;
            exits::fault::<Board>(format_args!("stage-2 instruction abort at IPA {ipa:#x} (HSR={hsr:#010x} PC={pc:#x})"))
        }
        // WFE (ISS bit 0) waits for an event another CPU would send: yield and go on.
        0x01 if hsr & 1 != 0 => exits::blocking::<Board>(exits::yield_once::<Board>),
        0x01 => {
            let wake_at = GuestContext::live_timer_deadline().map(exits::counter_to_ns::<Board>);
            let pending = GICH.has_pending();
            exits::blocking::<Board>(|| exits::wait_for_interrupt::<Board>(pending, wake_at))
        }
        class => exits::fault::<Board>(format_args!("{} (HSR={hsr:#010x} PC={pc:#x})", guest_exit::describe(class))),
    };
    if resume == Resume::Next {
        frame.elr = frame.elr.wrapping_add(guest_exit::instruction_length(hsr) as u32);
    }
    resume
}

fn unexpected(frame: &HypFrame, kind: HypTrapKind) -> ! {
    let syndrome = HypSyndrome::read();
    let _ = writeln!(
        Console::<Board>::new(),
        "wells: unexpected exception in HYP mode: {kind:?}\n  HSR=0x{:08x} ({}) HDFAR=0x{:08x} HIFAR=0x{:08x}\n  PC=0x{:08x} SPSR=0x{:08x} LR=0x{:08x}",
        syndrome.hsr,
        guest_exit::describe(guest_exit::class(syndrome.hsr as u64)),
        syndrome.hdfar,
        syndrome.hifar,
        frame.elr,
        frame.spsr,
        frame.lr_usr,
    );
    crate::board::exit(HYPERVISOR_FAULT_STATUS)
}
